/**
 * The host certificate of the agent's SSH front (DESIGN.md flow 2): the heartbeat reports the one the
 * front presents, and hands a new one from the server's answer here, which stores it and makes the
 * front present it to new connections (main.ts wires it to front-keys.ts and ssh-front.ts).
 */
export interface FrontHostCertificateStore {
  /** The certificate line the front presents now; undefined: none yet. */
  current(): string | undefined;
  /** Stores `certificateLine` (0600, next to the host key) and presents it from now on. */
  replace(certificateLine: string): Promise<void>;
}
