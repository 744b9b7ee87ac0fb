// A rotation of the account's SSH CA run end to end with a live session open across it (issue 13), against
// real processes: the latchkey-server executable (certificates of one minute, so the old CA can retire two
// minutes after the switch), `latchkey-agent run` daemons with their SSH fronts, real sshds, OpenSSH's
// client in a terminal. The session opened before the rotation keeps working through every phase and is
// recorded whole; certificates of the old CA keep working until the switch has had time to outlive them;
// after completion the agents trust the next CA alone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCertificate } from '@latchkey/shared';
import { eventually } from '../../harness/index.js';
import type { Json } from '../server/server-process.js';
import { startFrontWorld, type FrontWorld } from './front-fixture.js';

describe('e2e: rotating the SSH CA with a session open across it', function () {
  this.timeout(480_000);
  let world: FrontWorld;

  before(async () => {
    world = await startFrontWorld({ serverArgs: ['--certificate-ttl', '1m', '--max-certificate-ttl', '1m'] });
  });
  after(async () => {
    await world?.stop();
  });

  /** Moves the rotation on, retrying while the server says it is too early (409), up to `timeoutMs`. */
  async function move(action: string, timeoutMs: number): Promise<Json> {
    let refusal = '';
    return eventually(
      `the rotation's ${action}`,
      timeoutMs,
      async () => {
        try {
          return await world.admin('POST', '/latchkey/ca_rotation', { action });
        } catch (error) {
          refusal = (error as Error).message;
          if (!/409|"conflict"|too early|may be valid|do not trust/.test(refusal)) throw error;
          return undefined;
        }
      },
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last refusal: ${refusal}`);
    });
  }

  const signerOf = async (certificateFile: string) =>
    Buffer.from(parseCertificate(await readFile(certificateFile, 'utf8')).signatureKey.blob).toString(
      'base64',
    );
  const trustedKeys = async (stateDir: string): Promise<string[]> =>
    (JSON.parse(await readFile(path.join(stateDir, 'ca-keys.json'), 'utf8')) as { keys: string[] }).keys.map(
      (line) => line.split(' ')[1]!,
    );

  it('start, switch and complete while a session stays open; old certificates work until they expire', async () => {
    const current = ((await world.admin('GET', '/access/gateway_ca')) as Json[])[0];
    const currentKey = current.public_key.split(' ')[1] as string;
    const terminal = await world.terminal(world.web, await world.certificateFor(world.web));
    await terminal.waitFor('[lk-prompt] ');
    terminal.type('echo before-$((1+1))\r');
    await terminal.waitFor('before-2');

    const started = await world.admin('POST', '/latchkey/ca_rotation', { action: 'start' });
    assert.equal(started.phase, 'init');
    const nextKey = started.next.public_key.split(' ')[1] as string;
    // Both agents pick the next CA up on their next cycle (and report two keys, which lets the switch go).
    for (const target of [world.web, world.db]) {
      await eventually(`${target.hostname} trusts both CAs`, 30_000, async () =>
        (await trustedKeys(target.stateDir)).includes(nextKey) ? true : undefined,
      );
    }
    const oldCertificate = await world.certificateFor(world.web);
    assert.equal(await signerOf(oldCertificate), currentKey, 'in init the current CA still signs');

    const switched = await move('switch', 30_000);
    assert.equal(switched.phase, 'update_clients');
    const newCertificate = await world.certificateFor(world.web);
    assert.equal(await signerOf(newCertificate), nextKey, 'after the switch the next CA signs');
    const withNew = await world.sshFront(world.web, newCertificate, 'echo new-ca-ok');
    assert.equal(withNew.code, 0, withNew.stderr);
    assert.equal(withNew.stdout.trim(), 'new-ca-ok');
    const withOld = await world.sshFront(world.web, oldCertificate, 'echo old-ca-ok');
    assert.equal(withOld.code, 0, `a valid certificate of the old CA still logs in: ${withOld.stderr}`);
    terminal.type('echo during-$((2+2))\r');
    await terminal.waitFor('during-4');

    // The old CA retires only once no certificate it signed can be valid (1 min + 1 min of skew here).
    const completed = await move('complete', 200_000);
    assert.deepEqual(completed, { phase: 'standby', current: started.next });
    for (const target of [world.web, world.db]) {
      await eventually(`${target.hostname} trusts the next CA alone`, 30_000, async () => {
        const keys = await trustedKeys(target.stateDir);
        return keys.length === 1 && keys[0] === nextKey ? true : undefined;
      });
    }
    const afterwards = await world.sshFront(
      world.db,
      await world.certificateFor(world.db, 'carol'),
      'echo db-ok',
    );
    assert.equal(afterwards.code, 0, afterwards.stderr);

    terminal.type('echo after-$((3+3))\r');
    await terminal.waitFor('after-6');
    terminal.type('exit\r');
    assert.equal(await terminal.exited, 0, 'the session outlived the rotation and ended on its own');

    const recorded = await eventually('the whole session in a log on the server', 30_000, async () => {
      for (const { log } of await world.serverLogs(world.web)) {
        const text = Buffer.concat(
          log.packets.filter((p) => p.source === 1).map((p) => Buffer.from(p.data)),
        ).toString();
        if (text.includes('before-2') && text.includes('after-6')) return text;
      }
      return undefined;
    });
    assert.match(recorded, /during-4/);
  });
});
