// Fuzz-style robustness: thousands of mutated certificates, from a seeded PRNG so failures replay.
// Each must either parse (and then re-encode and verify to a boolean) or throw a LatchkeyError with a
// known code: never another exception, never a hang.
import assert from 'node:assert/strict';
import {
  LatchkeyError,
  generateSshKeyPair,
  issueCertificate,
  parseCertificate,
  verifyCertificate,
  verifyCertificateSignature,
  type ErrorCode,
  type SshCertificate,
} from '@latchkey/shared';

const ITERATIONS = 6000;
const SEED = 0x1a7c4e;
const TIME_BUDGET_MS = 60_000;
const SLOWEST_ALLOWED_MS = 250;

const PARSE_ERROR_CODES = new Set<ErrorCode>([
  'malformed_base64',
  'malformed_key',
  'unsupported_key_type',
  'malformed_certificate',
  'certificate_truncated',
  'certificate_trailing_data',
  'certificate_length_out_of_range',
  'certificate_wrong_type',
  'invalid_certificate_options',
]);

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets that look like SSH length fields (uint32 with a plausible value): targets for corruption. */
function lengthFieldOffsets(blob: Uint8Array): number[] {
  const offsets: number[] = [];
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i + 4 <= blob.length; i++) {
    const value = view.getUint32(i);
    if (value > 0 && value <= blob.length - i - 4 && blob[i] === 0 && blob[i + 1] === 0) offsets.push(i);
  }
  return offsets;
}

describe('parseCertificate under fuzzing', function () {
  this.timeout(TIME_BUDGET_MS + 30_000);

  it(`survives ${ITERATIONS} mutated certificates (seed ${SEED.toString(16)})`, () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const byte = (): number => Math.floor(random() * 256);
    const ed = generateSshKeyPair('ed25519');
    const ec = generateSshKeyPair('ecdsa-p256');
    const rsa = generateSshKeyPair('rsa', { rsaBits: 2048 });
    const seeds: SshCertificate[] = [
      issueCertificate(ed, { subjectKey: ed.publicKey, keyId: 'a', principals: ['alice', 'bob'] }),
      issueCertificate(ec, {
        subjectKey: rsa.publicKey,
        keyId: 'b',
        principals: ['root'],
        criticalOptions: { 'force-command': '/bin/true', 'source-address': '10.0.0.0/8' },
      }),
      issueCertificate(rsa, { subjectKey: ec.publicKey, keyId: 'c', principals: ['web'], type: 'host' }),
    ];
    const mutations: Record<string, (blob: Uint8Array) => Uint8Array | string> = {
      bitFlip: (blob) => {
        const out = blob.slice();
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--)
          out[Math.floor(random() * out.length)]! ^= 1 << (byte() & 7);
        return out;
      },
      truncate: (blob) => blob.slice(0, Math.floor(random() * blob.length)),
      insert: (blob) => {
        const at = Math.floor(random() * blob.length);
        const extra = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, byte);
        return Uint8Array.from([...blob.subarray(0, at), ...extra, ...blob.subarray(at)]);
      },
      corruptLength: (blob) => {
        const out = blob.slice();
        const at = pick(lengthFieldOffsets(blob));
        const value = pick([
          0xffffffff,
          0x7fffffff,
          0x01000000,
          out.length,
          0,
          Math.floor(random() * 0xffff),
        ]);
        new DataView(out.buffer).setUint32(
          at,
          value + pick([0, 1, -1].map((d) => (value === 0 && d < 0 ? 0 : d))),
        );
        return out;
      },
      trailingGarbage: (blob) =>
        Uint8Array.from([...blob, ...Array.from({ length: 1 + Math.floor(random() * 16) }, byte)]),
      badBase64: (blob) => {
        const text = Buffer.from(blob).toString('base64');
        const at = Math.floor(random() * text.length);
        const replacement = pick(['!', '-', '_', '=', ' ', '', '==', 'A', '\u00e9']);
        return `ssh-ed25519-cert-v01@openssh.com ${text.slice(0, at)}${replacement}${text.slice(at + 1)}`;
      },
      wrongTypeName: (blob) => {
        const text = Buffer.from(blob).toString('base64');
        return `${pick(['ssh-ed25519', 'ssh-rsa-cert-v01@openssh.com', 'x-cert-v01@openssh.com', 'ssh-dss'])} ${text}`;
      },
    };
    const names = Object.keys(mutations);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    let slowest = 0;

    for (let i = 0; i < ITERATIONS; i++) {
      const name = pick(names);
      const input = mutations[name]!(pick(seeds).blob);
      const t0 = performance.now();
      let outcome: string;
      try {
        const cert = parseCertificate(input);
        const again = parseCertificate(cert.toAuthorizedKey());
        assert.deepEqual(again.blob, cert.blob);
        const valid = verifyCertificateSignature(cert);
        assert.equal(typeof valid, 'boolean');
        const verdict = verifyCertificate(cert, {
          trustedCaKeys: [ed.publicKey, ec.publicKey, rsa.publicKey],
          now: new Date(),
          principal: 'alice',
          sourceAddress: '10.1.1.1',
        });
        assert.equal(typeof verdict.ok, 'boolean');
        outcome = valid ? 'parsed, signature valid' : 'parsed, signature invalid';
      } catch (error) {
        if (!(error instanceof LatchkeyError) || !PARSE_ERROR_CODES.has(error.code)) {
          assert.fail(`iteration ${i} (${name}) threw something else: ${String(error)}`);
        }
        assert.ok(error.message.length > 0);
        outcome = error.code;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      assert.ok(Date.now() - started < TIME_BUDGET_MS, `fuzzing took longer than ${TIME_BUDGET_MS} ms`);
    }

    assert.ok(slowest < SLOWEST_ALLOWED_MS, `one input took ${slowest.toFixed(1)} ms`);
    // The mutations must really exercise the parser's error paths, not just one of them.
    for (const code of [
      'certificate_truncated',
      'certificate_trailing_data',
      'certificate_length_out_of_range',
      'malformed_base64',
    ]) {
      assert.ok((outcomes.get(code) ?? 0) > 0, `no input produced ${code}: ${JSON.stringify([...outcomes])}`);
    }
    assert.ok((outcomes.get('parsed, signature invalid') ?? 0) > 0);
  });
});
