/** How the session's program ended: an exit status, or the signal that killed it (name without SIG). */
export interface SessionExit {
  readonly status: number | null;
  readonly signal: string | null;
}
