/**
 * recording.json and break-glass.json in the agent's state directory: only the agent reads them, so both
 * are 0600 and the directory 0700 (an agent before the front made them 0644 and 0711 for its recorder,
 * which ran as the logged-in user; protectSettings undoes that). Both are replaced atomically (temp
 * file, fsync, rename, fsync of the directory).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BREAK_GLASS_FILE, type BreakGlass } from '../../domain/recording/break-glass.js';
import { RECORDING_SETTINGS_FILE } from '../../domain/recording/recording-settings.js';
import type { RecordingStateFiles } from '../../app/recording/sync-recording-settings.js';

export class NodeRecordingStateFiles implements RecordingStateFiles {
  readonly settingsPath: string;
  private readonly breakGlassPath: string;

  constructor(private readonly stateDir: string) {
    this.settingsPath = join(stateDir, RECORDING_SETTINGS_FILE);
    this.breakGlassPath = join(stateDir, BREAK_GLASS_FILE);
  }

  readSettings(): Promise<string | undefined> {
    return readIfPresent(this.settingsPath);
  }

  async writeSettings(text: string): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await chmod(this.stateDir, 0o700);
    await writeAtomic(this.settingsPath, text, 0o600);
  }

  /** Puts the modes back as they should be (systemd, or an earlier version, may have set others). */
  async protectSettings(): Promise<void> {
    if (((await stat(this.stateDir)).mode & 0o777) !== 0o700) await chmod(this.stateDir, 0o700);
    await chmod(this.settingsPath, 0o600).catch(() => undefined);
  }

  removeSettings(): Promise<void> {
    return rm(this.settingsPath, { force: true });
  }

  async readBreakGlass(): Promise<unknown> {
    const text = await readIfPresent(this.breakGlassPath);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return {};
    }
  }

  async writeBreakGlass(breakGlass: BreakGlass): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await writeAtomic(this.breakGlassPath, JSON.stringify(breakGlass, null, 2) + '\n', 0o600);
  }

  removeBreakGlass(): Promise<void> {
    return rm(this.breakGlassPath, { force: true });
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
  await rename(temporary, path);
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
