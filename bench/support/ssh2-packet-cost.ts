/**
 * What ssh2 spends to send one SSH data packet, outside any network: `allocPacket` (the packet buffer
 * and its random padding) and `encrypt` (with the native binding when built), for the ciphers the front
 * uses (chacha20-poly1305 to OpenSSH clients, aes128-gcm on the inner hop). Run it on the Node the
 * agent ships with to see a change to patches/ssh2+1.17.0.patch in isolation; the per-MB figure is for
 * 32 KiB packets (a bulk transfer).
 *
 *   node --import tsx bench/support/ssh2-packet-cost.ts [--packets 20000] [--payload 32768]
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
interface Cipher {
  allocPacket(payloadLength: number): Buffer;
  encrypt(packet: Buffer): void;
}
const sshCrypto = require('ssh2/lib/protocol/crypto.js') as {
  bindingAvailable: boolean;
  CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>;
  MAC_INFO: Record<string, unknown>;
  createCipher(config: unknown): Cipher;
};

const { values } = parseArgs({
  options: { packets: { type: 'string', default: '20000' }, payload: { type: 'string', default: '32768' } },
});
const packets = Number(values.packets);
const payload = Number(values.payload);
const data = randomBytes(payload);

console.log(`node ${process.version}, ssh2 binding ${sshCrypto.bindingAvailable ? 'built' : 'absent'}`);
for (const name of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com']) {
  const info = sshCrypto.CIPHER_INFO[name]!;
  let written = 0;
  const cipher = sshCrypto.createCipher({
    outbound: {
      onWrite: (bytes: Buffer) => (written += bytes.length),
      cipherInfo: info,
      cipherKey: randomBytes(info.keyLen),
      cipherIV: randomBytes(info.ivLen),
      seqno: 0,
      macInfo: null,
      macKey: null,
    },
  });
  const run = (count: number, what: 'alloc' | 'both') => {
    const started = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const packet = cipher.allocPacket(payload);
      data.copy(packet, 5);
      if (what === 'both') cipher.encrypt(packet);
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / count;
  };
  run(2000, 'both');
  const alloc = run(packets, 'alloc');
  const both = run(packets, 'both');
  const perMb = (micros: number) => ((micros / payload) * 1e6) / 1000;
  console.log(
    `${name.padEnd(30)} allocPacket+copy ${alloc.toFixed(1)} µs, +encrypt ${both.toFixed(1)} µs a packet` +
      ` (${perMb(alloc).toFixed(2)} / ${perMb(both).toFixed(2)} ms/MB); ${written} bytes written`,
  );
}
