import * as vscode from 'vscode';
import { normalizeServerUrl } from '../../domain/server-url.js';

/** The extension's settings (package.json "contributes.configuration"). */
export interface LatchkeySettings {
  /** Normalized; throws a LatchkeyError saying where to set it when missing or malformed. */
  serverUrl(): string;
  defaultUsername(): string | undefined;
  /** The certificate lifetime to ask for, in seconds (the server caps it). */
  certificateLifetimeSeconds(): number | undefined;
  /** The latchkey CLI "Open in Remote-SSH" runs (a program on PATH, or a .js file). */
  cliPath(): string;
}

export function readSettings(): LatchkeySettings {
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('latchkey');
  return {
    serverUrl: () => normalizeServerUrl(config().get<string>('serverUrl')),
    defaultUsername: () => config().get<string>('defaultUsername')?.trim() || undefined,
    certificateLifetimeSeconds: () => {
      const minutes = config().get<number>('certificateLifetimeMinutes');
      return typeof minutes === 'number' && minutes > 0 ? Math.round(minutes * 60) : undefined;
    },
    cliPath: () => config().get<string>('cliPath')?.trim() || 'latchkey',
  };
}
