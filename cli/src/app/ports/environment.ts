/** Time and waiting, passed in so the use-cases can be tested without real clocks (the one shared type). */
export type { Clock } from '@latchkey/shared';

/** Messages for the person (stderr); results go to stdout through the command layer. */
export type Notify = (line: string) => void;
