// The key-exchange registry that patches/ssh2+1.17.0.patch adds to ssh2's lib/protocol/kex.js
// (register-post-quantum-kex.ts uses it; ssh2 ships no types for its internals).
declare module 'ssh2/lib/protocol/kex.js' {
  const kex: {
    /** Absent when the patch is not applied. */
    registerKeyExchange?: (name: string, define: (keyExchangeBase: unknown) => unknown) => void;
    /** The host-key-format registry (accept-host-certificates.ts); absent when the patch is not applied. */
    registerHostKeyFormat?: (
      name: string,
      signingKeyOf: (blob: Buffer) => { type: string; blob: Buffer } | undefined,
    ) => void;
  };
  export default kex;
}
