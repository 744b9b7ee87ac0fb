// The entry the extension host calls (`run()`, the standard contract of extensionTestsPath): runs the
// suite bundled next to it with mocha, resolving on success and rejecting with the failure count.
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000 });
  mocha.addFile(join(__dirname, 'latchkey-in-host.cjs'));
  return new Promise((resolve, reject) =>
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve())),
  );
}
