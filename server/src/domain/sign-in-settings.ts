/**
 * The lifetimes and limits of sign-in and certificates. Defaults follow docs/sign-in.md; the server's
 * configuration may change the certificate lifetimes (validated in server-config.ts).
 */
export interface SignInSettings {
  /** The server's public base URL (issuer of access tokens, base of the device page and OIDC callback). */
  publicUrl: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  deviceCodeTtlSeconds: number;
  /** The minimum seconds between two polls of one device code (RFC 8628 `interval`). */
  pollIntervalSeconds: number;
  /** How long an upstream OIDC login may take, from the redirect to the approval. */
  upstreamLoginTtlSeconds: number;
  certificateTtlSeconds: number;
  maxCertificateTtlSeconds: number;
  /** How far back certificates are valid from, for clock skew between server and target. */
  certificateBackdateSeconds: number;
  /** The force-command of recorded sessions on targets without an agent (certificate-binding.ts). */
  recorderCommand: string;
}

export const DEFAULT_SIGN_IN_SETTINGS: Omit<SignInSettings, 'publicUrl'> = {
  accessTokenTtlSeconds: 600,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  deviceCodeTtlSeconds: 600,
  pollIntervalSeconds: 2,
  upstreamLoginTtlSeconds: 600,
  certificateTtlSeconds: 300,
  maxCertificateTtlSeconds: 3600,
  certificateBackdateSeconds: 60,
  recorderCommand: 'latchkey-agent record',
};

/** The OAuth client ids the device flow accepts (public clients: no secret). */
export const DEVICE_FLOW_CLIENTS: Readonly<Record<string, string>> = {
  'latchkey-cli': 'the latchkey command line',
  'latchkey-vscode': 'the Latchkey VS Code extension',
};
