/** What the use-cases run on: the store, time, randomness and the CA key protector. */
import type { CaKeyProtector } from './ca-key-protector.js';
import type { Clock, RandomBytes } from './environment.js';
import type { Store } from './ports/store.js';

export interface Services {
  store: Store;
  clock: Clock;
  randomBytes: RandomBytes;
  caKeys: CaKeyProtector;
}
