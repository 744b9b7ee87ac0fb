/** Time and waiting, passed in so the use-cases can be tested without real clocks. */
export interface Clock {
  now(): Date;
  sleep(milliseconds: number): Promise<void>;
}

/** Messages for the person (stderr); results go to stdout through the command layer. */
export type Notify = (line: string) => void;
