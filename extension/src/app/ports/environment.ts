/** Time and waiting (the one shared type): `now()` in epoch ms, a `sleep` the sign-in's cancel aborts. */
export type { Clock } from '@latchkey/shared';

/** How the person is shown the code to approve; `open` is best effort (a browser may not open). */
export interface DevicePrompt {
  show(code: { userCode: string; verificationUri: string; verificationUriComplete?: string }): void;
}
