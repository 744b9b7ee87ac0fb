/**
 * What the agent writes into recording.json (recording-settings.ts), from what it knows: the auditors'
 * key (from the access server, or `--auditor-public-key` in Cloudflare mode), `--recording-mode`, its
 * target and an active break-glass.
 *
 * Recording off (the server's key is `''`, or Cloudflare mode without a local key): there is no file, and
 * the front's next sessions run unrecorded.
 */
import type { BreakGlass } from './break-glass.js';
import { formatRecordingSettings, type RecordingMode } from './recording-settings.js';

export interface RecordingSettingsInputs {
  /** Base64 of the raw X25519 key; '' when recording is off. */
  readonly auditorPublicKey: string;
  readonly mode: RecordingMode;
  readonly targetId?: string;
  readonly targetHostname?: string;
  readonly breakGlass?: BreakGlass;
}

/** The file's text, or null when there must be no file (recording off). */
export function recordingSettingsText(inputs: RecordingSettingsInputs): string | null {
  if (inputs.auditorPublicKey === '') return null;
  return formatRecordingSettings({
    auditorPublicKeyBase64: inputs.auditorPublicKey,
    mode: inputs.mode,
    ...(inputs.targetId === undefined ? {} : { targetId: inputs.targetId }),
    ...(inputs.targetHostname === undefined ? {} : { targetHostname: inputs.targetHostname }),
    ...(inputs.breakGlass === undefined
      ? {}
      : { breakGlass: { until: inputs.breakGlass.until, reason: inputs.breakGlass.reason } }),
  });
}
