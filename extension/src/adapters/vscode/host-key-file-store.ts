import * as vscode from 'vscode';
import type { HostKeyStore } from '../../app/ports/ssh.js';
import type { HostKeyPins } from '../../domain/host-key-pins.js';

/** Pinned host keys as JSON in the extension's global storage (`host-keys.json`). */
export class HostKeyFileStore implements HostKeyStore {
  private readonly file: vscode.Uri;

  constructor(private readonly directory: vscode.Uri) {
    this.file = vscode.Uri.joinPath(directory, 'host-keys.json');
  }

  async load(): Promise<HostKeyPins> {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(this.file);
    } catch {
      return {};
    }
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null) return {};
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  }

  async save(pins: HostKeyPins): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.directory);
    await vscode.workspace.fs.writeFile(
      this.file,
      new TextEncoder().encode(`${JSON.stringify(pins, null, 2)}\n`),
    );
  }
}
