export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** How the person is shown the code to approve; `open` is best effort (a browser may not open). */
export interface DevicePrompt {
  show(code: { userCode: string; verificationUri: string; verificationUriComplete?: string }): void;
}
