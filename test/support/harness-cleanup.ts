/**
 * Mocha root hooks that scope the harness's cleanup registry (test/harness/cleanup.ts), so that whatever a
 * test or a describe block started is stopped even when it fails, times out or forgets:
 *   - what is registered while a test runs (including in beforeEach hooks) belongs to that test and is
 *     cleaned up in the root afterEach, after the test's own afterEach hooks;
 *   - what a describe block's `before` hooks register belongs to that block and is cleaned up after the
 *     block's own `after` hooks (an sshd shared by the block lives until then);
 *   - anything left is cleaned up at the very end, and the process 'exit' handler kills what even that missed.
 * Registered in .mocharc.json ("require").
 */
import type { Context, Suite } from 'mocha';
import { adoptUnownedCleanups, runCleanups, setRegistrationOwner } from '../harness/cleanup.js';

/** Adds the ownership hooks to every describe block; runs once, when the whole tree is loaded. */
function instrumentSuites(suite: Suite): void {
  for (const child of suite.suites) {
    // Appended after the block's own hooks: the `before` hooks have registered what they started by now.
    child.beforeAll('harness: take ownership of what this block started', () => adoptUnownedCleanups(child));
    // Also takes what is still unowned: a failing `before` hook skips the adoption above.
    child.afterAll('harness: stop what this block started', () =>
      runCleanups((owner) => owner === child || owner === undefined),
    );
    instrumentSuites(child);
  }
}

export const mochaHooks = {
  beforeAll(this: Context) {
    const root = this.test?.parent;
    if (root) instrumentSuites(root);
  },
  beforeEach(this: Context) {
    setRegistrationOwner(this.currentTest);
  },
  async afterEach(this: Context) {
    const test = this.currentTest;
    setRegistrationOwner(undefined);
    await runCleanups((owner) => owner !== undefined && owner === test);
  },
  async afterAll() {
    await runCleanups();
  },
};
