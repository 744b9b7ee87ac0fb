/** Time and randomness, passed in so use-cases stay deterministic under test. */
export type Clock = () => Date;
export type RandomBytes = (length: number) => Uint8Array;
