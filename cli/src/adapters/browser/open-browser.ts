/**
 * Opens the verification page in the person's browser, as a convenience only: when there is a graphical
 * session (DISPLAY or WAYLAND_DISPLAY), not in CI, and a person is at the terminal. `xdg-open` runs
 * detached with no output; if it is missing or fails, nothing happens (the URL is printed anyway).
 */
import { spawn } from 'node:child_process';

export function browserOpener(
  env: NodeJS.ProcessEnv,
  interactive: boolean,
): ((url: string) => void) | undefined {
  const graphical = (env.DISPLAY ?? '') !== '' || (env.WAYLAND_DISPLAY ?? '') !== '';
  if (!graphical || (env.CI ?? '') !== '' || !interactive) return undefined;
  return (url) => {
    try {
      const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
      child.on('error', () => {});
      child.unref();
    } catch {
      // The printed URL is enough.
    }
  };
}
