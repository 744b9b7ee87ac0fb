/**
 * Polls `probe` until it answers something other than undefined, and resolves with that; rejects saying
 * `what` did not happen once `timeoutMs` has passed. For conditions that arrive asynchronously from
 * another process (a log uploaded, a target registered): the bound is generous, never a timing assertion.
 */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
