import type { MeTarget } from '../../domain/access-api.js';

/**
 * The targets a person may reach, as last listed by the server, kept briefly so that `latchkey ssh` can
 * start ssh and ask for the certificate without listing them first. Only ever a guess: the server
 * evaluates policy again for the certificate, and the certificate names the address and port to use.
 */
export interface TargetCache {
  /** The list saved for `server` within the cache's lifetime, else undefined. */
  get(server: string): Promise<readonly MeTarget[] | undefined>;
  put(server: string, targets: readonly MeTarget[]): Promise<void>;
  /** Forgets `server`'s list (it turned out to be out of date). */
  forget(server: string): Promise<void>;
}
