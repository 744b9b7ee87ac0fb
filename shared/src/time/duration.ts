/**
 * The one way Latchkey reads a duration typed by a person (`--expires 2w`, `30m`, `90s`): a whole number of
 * one to six digits and one unit letter. Each caller chooses the units it takes and keeps its own range and
 * error message; this only reads the text. Before it, the server's `token create --expires` and the CLI's
 * `admin join-token create --expires` each had a parser, and only the server's knew `w`.
 */

/** Seconds per unit: seconds, minutes, hours, days, weeks. */
export const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

export type DurationUnit = keyof typeof SECONDS_PER_UNIT;

/** The units of a lifetime from now (tokens, certificates-to-come): minutes to weeks. */
export const LIFETIME_UNITS: readonly DurationUnit[] = ['m', 'h', 'd', 'w'];

/**
 * `text` (surrounding spaces ignored) as seconds, or undefined when it is not `<digits><unit>` with one of
 * `units`. Zero is a duration (`0m` is 0); refusing it is the caller's range check.
 */
export function parseDurationSeconds(
  text: string,
  units: readonly DurationUnit[] = LIFETIME_UNITS,
): number | undefined {
  const match = /^(\d{1,6})([a-z])$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = match[2] as DurationUnit;
  if (!units.includes(unit)) return undefined;
  return Number(match[1]) * SECONDS_PER_UNIT[unit];
}
