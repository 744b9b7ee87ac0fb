/**
 * The agent's clock offset from the server, from the HTTP `Date` header of an answer: server time minus
 * the midpoint of the request's round trip, in milliseconds. `Date` has one-second resolution, so the
 * offset is only good to about a second: enough to warn that certificates (valid from a minute ago) may
 * be refused by a host whose clock is minutes off. Undefined when the header is missing or unreadable.
 */
export function clockOffsetMs(
  dateHeader: string | null | undefined,
  sentAt: number,
  receivedAt: number,
): number | undefined {
  if (dateHeader === null || dateHeader === undefined) return undefined;
  const serverTime = Date.parse(dateHeader);
  if (Number.isNaN(serverTime)) return undefined;
  // The header is truncated to the second: its middle is the best estimate.
  return Math.round(serverTime + 500 - (sentAt + receivedAt) / 2);
}
