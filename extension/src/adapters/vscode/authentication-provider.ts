/**
 * The "Latchkey" authentication provider: sign-in is the server's device flow (the code shown in a
 * progress notification, the browser opened on the approval page), tokens live in SecretStorage,
 * access tokens are refreshed with rotation by SignedInSession, and signing out revokes the session
 * on the server. One session at a time, for the configured server.
 */
import * as vscode from 'vscode';
import { signIn } from '../../app/sign-in.js';
import { signOut } from '../../app/sign-out.js';
import type { StoredSession } from '../../domain/stored-session.js';
import type { Services } from './services.js';

export const PROVIDER_ID = 'latchkey';
export const PROVIDER_LABEL = 'Latchkey';

export interface DeviceCodeShown {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
}

export class LatchkeyAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed =
    new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private readonly codeShown = new vscode.EventEmitter<DeviceCodeShown>();
  /** Fires when a sign-in shows its code (tests approve it; other extensions may show it too). */
  readonly onDidShowDeviceCode = this.codeShown.event;

  constructor(private readonly services: () => Services) {}

  async getSessions(): Promise<vscode.AuthenticationSession[]> {
    const { session } = this.services();
    const stored = await session.current();
    if (stored === undefined) return [];
    try {
      return [toVsCodeSession(stored, await session.accessToken())];
    } catch {
      return [];
    }
  }

  async createSession(): Promise<vscode.AuthenticationSession> {
    const services = this.services();
    const previous = await services.session.current();
    const stored = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Latchkey', cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return signIn(
          {
            server: services.server,
            store: services.store,
            clock: services.clock,
            prompt: {
              show: (code) => {
                progress.report({
                  message: `Sign in: approve code ${code.userCode} in your browser (${code.verificationUri})`,
                });
                this.codeShown.fire(code);
                const target = vscode.Uri.parse(code.verificationUriComplete ?? code.verificationUri);
                // Not awaited: a browser that does not open must not stop the polling.
                void vscode.env.openExternal(target).then(undefined, () => undefined);
              },
            },
          },
          abort.signal,
        );
      },
    );
    const session = toVsCodeSession(stored, stored.accessToken);
    this.changed.fire({
      added: [session],
      removed: previous === undefined ? [] : [toVsCodeSession(previous, '')],
      changed: [],
    });
    return session;
  }

  async removeSession(sessionId: string): Promise<void> {
    const services = this.services();
    const stored = await services.store.get();
    if (stored === undefined) return;
    const confirmed = await signOut({ server: services.server, store: services.store });
    if (!confirmed) {
      void vscode.window.showWarningMessage(
        'Signed out here, but the Latchkey server could not be told; the sign-in ends when its refresh token expires.',
      );
    }
    this.changed.fire({ added: [], removed: [toVsCodeSession({ ...stored, sessionId }, '')], changed: [] });
  }

  /** Tells VS Code the session went away without this provider removing it (e.g. a refused refresh). */
  fireRemoved(stored: StoredSession): void {
    this.changed.fire({ added: [], removed: [toVsCodeSession(stored, '')], changed: [] });
  }

  dispose(): void {
    this.changed.dispose();
    this.codeShown.dispose();
  }
}

function toVsCodeSession(stored: StoredSession, accessToken: string): vscode.AuthenticationSession {
  return {
    id: stored.sessionId,
    accessToken,
    account: { id: stored.email, label: stored.email },
    scopes: [],
  };
}
