// The two internals of ssh2 1.17.0 that offer-certificate.ts uses (ssh2 ships no types for them).
declare module 'ssh2/lib/protocol/utils.js' {
  const utils: { sendPacket(protocol: unknown, packet: Buffer, bypass?: boolean): void };
  export default utils;
}
// Whether ssh2's native crypto binding loaded (agent/src/front/ssh-front.ts picks its ciphers by it).
declare module 'ssh2/lib/protocol/crypto.js' {
  const crypto: { bindingAvailable: boolean };
  export default crypto;
}
