// The two internals of ssh2 1.17.0 that offer-certificate.ts uses (ssh2 ships no types for them).
declare module 'ssh2/lib/protocol/utils.js' {
  const utils: { sendPacket(protocol: unknown, packet: Buffer, bypass?: boolean): void };
  export default utils;
}
