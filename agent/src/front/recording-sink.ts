import type { PacketSource } from '@latchkey/shared/session-log/log-packet';
import type { CommandRecord, TransferRecord } from '@latchkey/shared/session-log/log-records';

/** What the front's session relay tells the recording; SessionRecording keeps it, NO_RECORDING drops it. */
export interface RecordingSink {
  data(source: PacketSource, bytes: Uint8Array): void;
  command(body: CommandRecord): void;
  resize(width: number, height: number): void;
  transfer(body: TransferRecord): void;
  /** Bytes waiting for the spool (the runner pauses output above a bound). */
  spoolBacklog(): number;
  onSpoolDrain(listener: () => void): void;
}

/** For a session that runs unrecorded (best effort without recording settings). */
export const NO_RECORDING: RecordingSink = {
  data() {},
  command() {},
  resize() {},
  transfer() {},
  spoolBacklog: () => 0,
  onSpoolDrain: (listener) => listener(),
};
