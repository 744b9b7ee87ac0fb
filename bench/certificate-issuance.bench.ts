// Certificate issuance throughput: sign + encode to `*-cert.pub` text, on one core (no workers).
// Run: node --conditions=latchkey-source --import tsx bench/certificate-issuance.bench.ts [count]
import { generateSshKeyPair, issueCertificate, type SshKeyAlgorithm } from '@latchkey/shared';

const count = Number(process.argv[2] ?? 20_000);
const WARM_UP = 1_000;
const SUBJECTS = 64;

function measure(caAlgorithm: SshKeyAlgorithm): number {
  const ca = generateSshKeyPair(caAlgorithm);
  const subjects = Array.from({ length: SUBJECTS }, () => generateSshKeyPair('ed25519').publicKey);
  let bytes = 0;
  const issue = (i: number): void => {
    const cert = issueCertificate(ca, {
      subjectKey: subjects[i % SUBJECTS]!,
      keyId: `alice@example.com session ${i}`,
      principals: ['alice'],
      criticalOptions: { 'force-command': '/usr/local/bin/latchkey-agent record' },
    });
    bytes += cert.toAuthorizedKey().length;
  };
  for (let i = 0; i < WARM_UP; i++) issue(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) issue(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (bytes === 0) throw new Error('nothing was issued');
  return count / seconds;
}

console.log(`Certificate issuance, ${count} certificates per CA, Ed25519 subjects, node ${process.version}`);
for (const algorithm of ['ed25519', 'ecdsa-p256'] as const) {
  const rate = measure(algorithm);
  console.log(
    `  ${algorithm.padEnd(10)} CA: ${Math.round(rate).toLocaleString('en-US')} certificates/second`,
  );
}
