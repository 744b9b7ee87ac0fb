// Runs the real ssh-keygen of this machine in a private temp dir, for interop tests.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class SshKeygen {
  readonly dir = mkdtempSync(join(tmpdir(), 'latchkey-ssh-keygen-'));

  /** Runs ssh-keygen with TZ=UTC (it prints validity in local time); throws with its stderr on failure. */
  run(...args: string[]): string {
    try {
      return execFileSync('ssh-keygen', args, {
        cwd: this.dir,
        env: { ...process.env, TZ: 'UTC' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`ssh-keygen ${args.join(' ')} failed: ${stderr || String(error)}`);
    }
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, text: string, mode = 0o600): string {
    const file = this.path(name);
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  /** Makes a key with ssh-keygen; returns its private key path. */
  generate(name: string, type: 'ed25519' | 'ecdsa' | 'rsa', extra: string[] = []): string {
    const bits = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
    this.run('-q', '-t', type, ...bits, '-N', '', '-C', `${name}@test`, ...extra, '-f', this.path(name));
    return this.path(name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface KeygenCertificateListing {
  type: string;
  kind: 'user' | 'host';
  signingCa: string;
  keyId: string;
  serial: string;
  valid: string;
  principals: string[];
  criticalOptions: string[];
  extensions: string[];
}

/** Parses the output of `ssh-keygen -L -f cert.pub` into its fields. */
export function parseKeygenListing(text: string): KeygenCertificateListing {
  const lines = text.split('\n');
  const value = (label: string): string => {
    const line = lines.find((l) => l.trimStart().startsWith(`${label}:`));
    if (line === undefined) throw new Error(`ssh-keygen -L output has no ${label}:\n${text}`);
    return line.slice(line.indexOf(':') + 1).trim();
  };
  const list = (label: string): string[] => {
    const start = lines.findIndex((l) => l.trimStart().startsWith(`${label}:`));
    if (start < 0) throw new Error(`ssh-keygen -L output has no ${label}:\n${text}`);
    if (lines[start]!.includes('(none)')) return [];
    const items: string[] = [];
    for (let i = start + 1; i < lines.length && /^\s{16}/.test(lines[i]!); i++) items.push(lines[i]!.trim());
    return items;
  };
  const [type, kind] = value('Type').split(' ');
  return {
    type: type!,
    kind: kind as 'user' | 'host',
    signingCa: value('Signing CA'),
    keyId: value('Key ID'),
    serial: value('Serial'),
    valid: value('Valid'),
    principals: list('Principals'),
    criticalOptions: list('Critical Options'),
    extensions: list('Extensions'),
  };
}

/** ssh-keygen's time format (UTC because of TZ=UTC): 2026-11-24T17:54:24. */
export function keygenTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
