/**
 * In-memory implementations of the sshd use-cases' ports, with one shared event log (so tests can assert
 * the order of writes, commands, signals and probes) and hooks to make any step fail.
 */
import type { SshdHost } from '../../../agent/src/app/sshd-host.js';
import type { CommandResult } from '../../../agent/src/app/ports/command-runner.js';
import type { AtomicWriteOptions, FileStatus } from '../../../agent/src/app/ports/file-system.js';
import type { SshdProbeResult } from '../../../agent/src/app/ports/sshd-prober.js';
import type { TcpEndpoint } from '../../../agent/src/domain/sshd/sshd-listen-endpoints.js';

export interface MemoryFile {
  bytes: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
}

export class InMemorySshdHost implements SshdHost {
  readonly events: string[] = [];
  readonly fileMap = new Map<string, MemoryFile>();
  readonly directories = new Set<string>(['/']);
  /** Throws instead of writing when it returns an error message. */
  failWrite: (path: string) => string | undefined = () => undefined;
  /** Called after each atomic write, e.g. to play another writer replacing the file right after. */
  afterWrite: (path: string) => void = () => undefined;
  /** The answer to a command; default: exit 0 with no output. */
  respond: (argv: readonly string[]) => Partial<CommandResult> = () => ({});
  /** Whether sshd answers on an endpoint; default yes. */
  answer: (endpoint: TcpEndpoint) => SshdProbeResult = () => ({
    answered: true,
    banner: 'SSH-2.0-OpenSSH_9.2',
  });
  /** Modification times, for the files a test asked to track (`trackModification`); kept apart from fileMap. */
  readonly modified = new Map<string, number>();
  /** Called on each signal sent, e.g. to play sshd re-executing (see `later`). */
  onSignal: (pid: number, signal: 'SIGHUP') => void = () => undefined;
  private time = 0;
  private readonly timers: { at: number; run: () => void }[] = [];

  /** Runs `run` once the host's clock (advanced by the use case's sleeps) reaches now + `afterMs`. */
  later(afterMs: number, run: () => void): void {
    this.timers.push({ at: this.time + afterMs, run });
  }

  /** Puts a file and records its modification time (as sshd writing its pid file would). */
  rewrite(path: string, content: string): void {
    this.put(path, content);
    this.modified.set(path, this.time);
    this.events.push(`rewrite ${path}`);
  }

  constructor(initial: Record<string, string | Uint8Array> = {}) {
    for (const [path, content] of Object.entries(initial)) this.put(path, content);
  }

  /** Puts a file (and its directories) in place without logging it. */
  put(path: string, content: string | Uint8Array, mode = 0o644): void {
    this.addDirectories(parentOf(path));
    this.fileMap.set(path, { bytes: toBytes(content), mode, uid: 0, gid: 0 });
  }

  text(path: string): string | undefined {
    const file = this.fileMap.get(path);
    return file === undefined ? undefined : new TextDecoder().decode(file.bytes);
  }

  /** Copies of every file under `prefix`, to compare byte for byte. */
  snapshot(prefix = '/etc/'): Map<string, MemoryFile> {
    return new Map(
      [...this.fileMap]
        .filter(([path]) => path.startsWith(prefix))
        .map(([path, file]) => [path, { ...file, bytes: new Uint8Array(file.bytes) }]),
    );
  }

  /** The commands and signals, in order. */
  commandLog(): string[] {
    return this.events.filter((event) => event.startsWith('run ') || event.startsWith('signal '));
  }

  readonly files = {
    read: async (path: string): Promise<Uint8Array | undefined> => {
      if (this.directories.has(path)) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
      const file = this.fileMap.get(path);
      return file === undefined ? undefined : new Uint8Array(file.bytes);
    },
    status: async (path: string): Promise<FileStatus | undefined> => {
      if (this.directories.has(path)) return { mode: 0o755, uid: 0, gid: 0, isDirectory: true };
      const file = this.fileMap.get(path);
      const modifiedMs = this.modified.get(path);
      return file === undefined
        ? undefined
        : {
            mode: file.mode,
            uid: file.uid,
            gid: file.gid,
            isDirectory: false,
            ...(modifiedMs === undefined ? {} : { modifiedMs }),
          };
    },
    exists: async (path: string): Promise<boolean> => this.directories.has(path) || this.fileMap.has(path),
    list: async (directory: string): Promise<string[]> => {
      const prefix = directory === '/' ? '/' : `${directory}/`;
      const names = new Set<string>();
      for (const path of [...this.fileMap.keys(), ...this.directories]) {
        if (path.startsWith(prefix) && path !== prefix) names.add(path.slice(prefix.length).split('/')[0]!);
      }
      return [...names].sort();
    },
    makeDirectory: async (path: string, mode: number): Promise<boolean> => {
      if (this.directories.has(path)) return false;
      this.events.push(`mkdir ${path} ${mode.toString(8)}`);
      this.addDirectories(path);
      return true;
    },
    writeAtomic: async (
      path: string,
      content: Uint8Array | string,
      options: AtomicWriteOptions,
    ): Promise<void> => {
      const failure = this.failWrite(path);
      if (failure !== undefined) {
        this.events.push(`write failed ${path}`);
        throw new Error(failure);
      }
      if (!this.directories.has(parentOf(path))) throw new Error(`ENOENT: no directory for ${path}`);
      this.events.push(`write ${path}`);
      const previous = this.fileMap.get(path);
      this.fileMap.set(path, {
        bytes: toBytes(content),
        mode: options.mode,
        uid: options.owner?.uid ?? previous?.uid ?? 0,
        gid: options.owner?.gid ?? previous?.gid ?? 0,
      });
      this.afterWrite(path);
    },
    remove: async (path: string): Promise<void> => {
      if (this.directories.has(path)) {
        if ((await this.files.list(path)).length > 0) throw new Error(`ENOTEMPTY: ${path}`);
        this.directories.delete(path);
        this.events.push(`rmdir ${path}`);
      } else if (this.fileMap.delete(path)) {
        this.events.push(`remove ${path}`);
      }
    },
  };

  readonly commands = {
    run: async (argv: readonly string[]): Promise<CommandResult> => {
      this.events.push(`run ${argv.join(' ')}`);
      return { code: 0, signal: null, stdout: '', stderr: '', ...this.respond(argv) };
    },
  };

  readonly prober = {
    probe: async (endpoint: TcpEndpoint): Promise<SshdProbeResult> => {
      this.events.push(`probe ${endpoint.host}:${endpoint.port}`);
      return this.answer(endpoint);
    },
  };

  readonly signals = {
    send: async (pid: number, signal: 'SIGHUP'): Promise<void> => {
      this.events.push(`signal ${signal} ${pid}`);
      this.onSignal(pid, signal);
    },
  };

  readonly clock = {
    now: (): number => this.time,
    sleep: async (milliseconds: number): Promise<void> => {
      this.time += milliseconds;
      for (const timer of this.timers.filter((t) => t.at <= this.time)) {
        this.timers.splice(this.timers.indexOf(timer), 1);
        timer.run();
      }
    },
  };

  private addDirectories(path: string): void {
    for (let dir = path; dir !== '/' && dir !== ''; dir = parentOf(dir)) this.directories.add(dir);
  }
}

function parentOf(path: string): string {
  return path.replace(/\/[^/]+$/, '') || '/';
}

function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
}
