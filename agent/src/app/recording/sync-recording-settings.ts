/**
 * Keeps recording.json (what the front reads; domain/recording/recording-settings.ts) in line with the
 * access server's recording settings, the agent's `--recording-mode` and an active break-glass. The
 * daemon runs it at start and on every cycle. The file is replaced atomically (0600) and only when its
 * text changes; with recording off there is no file (recording-settings-file.ts).
 *
 * When the server cannot be reached the last known key is kept (from memory, else from the file on
 * disk), so an outage never turns recording off; mode and break-glass changes still apply. In Cloudflare
 * mode there are no recording settings to fetch: only a local `--auditor-public-key` turns recording on.
 */
import { parseAuditorKey } from '@latchkey/shared/session-log/auditor-keys';
import { activeBreakGlass, type BreakGlass } from '../../domain/recording/break-glass.js';
import type { RecordingMode } from '../../domain/recording/recording-settings.js';
import { recordingSettingsText } from '../../domain/recording/recording-settings-file.js';
import type { SessionLogServer } from '../ports/agent-server.js';

/** recording.json and break-glass.json in the agent's state directory (adapters/state/recording-state-files.ts). */
export interface RecordingStateFiles {
  readonly settingsPath: string;
  readSettings(): Promise<string | undefined>;
  /** Atomic, mode 0600, in the root-only (0700) state directory. */
  writeSettings(text: string): Promise<void>;
  /**
   * Puts the modes back to 0700 and 0600: an agent before the front left them 0711 and 0644 (its recorder
   * ran as the logged-in user).
   */
  protectSettings(): Promise<void>;
  removeSettings(): Promise<void>;
  /** The parsed JSON of break-glass.json, or undefined when there is none. */
  readBreakGlass(): Promise<unknown>;
  writeBreakGlass(breakGlass: BreakGlass): Promise<void>;
  removeBreakGlass(): Promise<void>;
}

export interface RecordingSyncDeps {
  /** Absent in Cloudflare mode. */
  readonly server?: Pick<SessionLogServer, 'getRecordingSettings'>;
  readonly files: RecordingStateFiles;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

export interface RecordingSyncSettings {
  readonly mode: RecordingMode;
  /** Cloudflare mode: the auditors' key given on the command line. */
  readonly localAuditorKey?: string;
}

export interface RecordingSyncOutcome {
  readonly recording: boolean;
  readonly breakGlass?: BreakGlass;
}

export class RecordingSettingsSync {
  private lastServerKey: string | undefined;
  /** The target as last registered: a cycle without the server keeps what the file said. */
  private lastTarget: { targetId?: string; hostname?: string } = {};

  constructor(
    private readonly deps: RecordingSyncDeps,
    private readonly settings: RecordingSyncSettings,
  ) {}

  async sync(target: { targetId?: string; hostname?: string }): Promise<RecordingSyncOutcome> {
    const { deps, settings } = this;
    target = { ...this.lastTarget, ...target };
    this.lastTarget = target;
    const current = await deps.files.readSettings();
    const key = await this.auditorKey(current);
    const breakGlass = await this.breakGlass();
    if (key === undefined) return { recording: current !== undefined, ...optionalBreakGlass(breakGlass) };
    const text = recordingSettingsText({
      auditorPublicKey: key,
      mode: settings.mode,
      ...(target.targetId === undefined ? {} : { targetId: target.targetId }),
      ...(target.hostname === undefined ? {} : { targetHostname: target.hostname }),
      ...optionalBreakGlass(breakGlass),
    });
    if (text === null) {
      if (current !== undefined) {
        await deps.files.removeSettings();
        deps.log(`session recording is off: removed ${deps.files.settingsPath}`);
        // The state directory an agent before the front opened (0711) closes with recording off too.
        await deps.files.protectSettings();
      }
      return { recording: false, ...optionalBreakGlass(breakGlass) };
    }
    if (text !== current) {
      await deps.files.writeSettings(text);
      deps.log(`session recording is on (${settings.mode}): wrote ${deps.files.settingsPath}`);
    } else {
      await deps.files.protectSettings();
    }
    return { recording: true, ...optionalBreakGlass(breakGlass) };
  }

  /** The key to write; undefined when it is not known (the server is away and nothing was ever seen). */
  private async auditorKey(current: string | undefined): Promise<string | undefined> {
    const { deps, settings } = this;
    if (deps.server === undefined) return settings.localAuditorKey ?? '';
    try {
      const { auditor_public_key: key } = await deps.server.getRecordingSettings();
      if (key !== '') parseAuditorKey(key, "server's auditor public key");
      this.lastServerKey = key;
      return key;
    } catch (error) {
      if (this.lastServerKey !== undefined) return this.lastServerKey;
      deps.log(
        `cannot fetch the recording settings: ${error instanceof Error ? error.message : String(error)}`,
      );
      return keyInFile(current);
    }
  }

  private async breakGlass(): Promise<BreakGlass | undefined> {
    const { deps } = this;
    const stored = await deps.files.readBreakGlass().catch(() => undefined);
    if (stored === undefined) return undefined;
    const active = activeBreakGlass(stored, deps.now());
    if (active === undefined) {
      await deps.files.removeBreakGlass();
      deps.log('break-glass ended: strict recording applies again');
      return undefined;
    }
    deps.log(`break-glass in force until ${active.until}: ${active.reason}`);
    return active;
  }
}

function keyInFile(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const key = (JSON.parse(text) as { auditor_public_key?: unknown }).auditor_public_key;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    return undefined;
  }
}

function optionalBreakGlass(breakGlass: BreakGlass | undefined): { breakGlass?: BreakGlass } {
  return breakGlass === undefined ? {} : { breakGlass };
}
