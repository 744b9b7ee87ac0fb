// The front's two promises, tried as an attacker would (issue: sessions through the agent's SSH front),
// against real processes: the latchkey-server executable, two `latchkey-agent run` daemons with their SSH
// fronts, two real sshds, OpenSSH's client, and a bash whose ~/.bashrc the attacker owns.
//
// 1. Only this target: a certificate issued for web-1 opens web-1's front and nothing else — not db-1's
//    front, not either sshd directly; the inner certificate sshd trusts works only from loopback.
// 2. Always recorded: what the attacker's rc file, PATH and command line do is in the log (or the
//    session is refused); a local user can write nothing into the spool.
import assert from 'node:assert/strict';
import { access, chown, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { issueCertificate, parseCertificate, parseSshPrivateKey, parseSshPublicKey } from '@latchkey/shared';
import type { LatchkeyRecord } from '@latchkey/shared';
import { eventually, runCommand, runSsh } from '../../harness/index.js';
import { runServerCommand, type Json } from '../server/server-process.js';
import { startFrontWorld, type FrontWorld } from './front-fixture.js';

function outputOf(records: { source: number; data: Uint8Array }[]): string {
  return Buffer.concat(records.filter((p) => p.source === 1).map((p) => Buffer.from(p.data))).toString();
}

function commandsOf(records: readonly LatchkeyRecord[]): string[] {
  return records.flatMap((record) => (record.kind === 'command' ? [record.body.command] : []));
}

describe('e2e: the SSH front — one target per certificate, every session recorded', function () {
  this.timeout(240_000);
  let world: FrontWorld;

  before(async () => {
    world = await startFrontWorld();
  });
  after(async () => {
    await world?.stop();
  });

  async function logWith(
    target: FrontWorld['web'],
    predicate: (text: string, commands: string[]) => boolean,
  ): Promise<{ text: string; commands: string[] }> {
    for (let attempt = 0; attempt < 150; attempt++) {
      for (const { log } of await world.serverLogs(target)) {
        const text = outputOf(log.packets);
        const commands = commandsOf(log.records);
        if (predicate(text, commands)) return { text, commands };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no log of ${target.hostname} on the server matched`);
  }

  describe('only this target', () => {
    it('opens its own target through the front, as the policy allows', async () => {
      const certificate = await world.certificateFor(world.web);
      const result = await world.sshFront(world.web, certificate, 'echo hello-from-$(hostname) && id -un');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /hello-from-/);
      assert.equal(result.stdout.trim().split('\n').at(-1), world.user.name);
    });

    it("is refused by another target's front, although the UNIX user is the same", async () => {
      const certificate = await world.certificateFor(world.web);
      const result = await world.sshFront(world.db, certificate, 'id');
      assert.equal(result.code, 255);
      assert.match(result.stderr, /Permission denied/);
      await world.db.agent.waitForOutput(/bound to target .* not to this one/, 10_000);
    });

    it('is refused by either sshd directly: OpenSSH does not know the binding', async () => {
      const certificate = await world.certificateFor(world.web);
      for (const target of [world.web, world.db]) {
        const mark = target.sshd.logMark();
        const result = await runSsh({
          server: target.sshd,
          user: world.user.name,
          identityFile: world.identityFile,
          certificateFile: certificate,
          command: 'id',
        });
        assert.equal(result.code, 255, `${target.hostname}'s sshd let the person's certificate in`);
        // sshd trusts only the host CA now; either refusal is fine, a login is not.
        await target.sshd
          .waitForLog(
            /not supported|CA .* is not trusted|Authentication refused|Connection closed|Failed publickey|no matching/i,
            5000,
            mark,
          )
          .catch(() => undefined);
        assert.doesNotMatch(target.sshd.logs().slice(mark), /Accepted publickey/);
      }
    });

    it('a person the policy does not allow gets no certificate for that target', async () => {
      await assert.rejects(world.certificateFor(world.db, 'bob'), /403|access_denied/);
    });

    it("the front's inner certificate opens sshd from loopback only", async () => {
      // What a thief of an inner certificate could do: the host CA is root's, but suppose one leaked.
      const hostCa = parseSshPrivateKey(
        await readFile(path.join(world.web.stateDir, 'front', 'host_ca_ed25519_key'), 'utf8'),
      );
      const publicKey = parseSshPublicKey(await readFile(`${world.identityFile}.pub`, 'utf8'));
      const inner = issueCertificate(hostCa, {
        subjectKey: publicKey,
        keyId: 'stolen inner',
        principals: [world.user.name],
        criticalOptions: { 'source-address': '127.0.0.1/32,::1/128' },
        validForSeconds: 60,
      });
      const file = path.join(world.base, 'client', 'inner-cert.pub');
      await writeFile(file, `${inner.toAuthorizedKey()}\n`);
      const fromOther = await runSsh({
        server: world.web.sshd,
        user: world.user.name,
        identityFile: world.identityFile,
        certificateFile: file,
        bindAddress: '127.0.0.2',
        command: 'id',
      });
      assert.equal(fromOther.code, 255, 'an inner certificate worked from 127.0.0.2');
      // The host CA file itself is root's alone.
      assert.equal(
        (await stat(path.join(world.web.stateDir, 'front', 'host_ca_ed25519_key'))).mode & 0o077,
        0,
      );
    });
  });

  describe('always recorded', () => {
    it('records an interactive session in a real terminal: output, input, resize and the typed command', async () => {
      const certificate = await world.certificateFor(world.web);
      const terminal = await world.terminal(world.web, certificate);
      await terminal.waitFor('[lk-prompt] ');
      terminal.type('echo typed-$((6*7))\r');
      await terminal.waitFor('typed-42');
      terminal.resize(100, 30);
      terminal.type('stty size\r');
      await terminal.waitFor('30 100');
      terminal.type('exit 3\r');
      assert.equal(await terminal.exited, 3, 'the exit status comes through the front');
      const log = await logWith(world.web, (text) => text.includes('typed-42'));
      assert.ok(
        log.commands.some((command) => command === 'echo typed-$((6*7))'),
        `commands: ${log.commands.join(' | ')}`,
      );
    });

    it("a line in the user's own ~/.bashrc cannot skip the log", async () => {
      const bashrc = path.join(world.user.home, '.bashrc');
      const before = await readFile(bashrc, 'utf8');
      await writeFile(
        bashrc,
        `${before}if [ "\${SSH_ORIGINAL_COMMAND#!}" != "$SSH_ORIGINAL_COMMAND" ]; then eval "\${SSH_ORIGINAL_COMMAND#!}"; exit; fi\n` +
          'if [ -n "$BASH_EXECUTION_STRING" ] && [ "${BASH_EXECUTION_STRING#!}" != "$BASH_EXECUTION_STRING" ]; then eval "${BASH_EXECUTION_STRING#!}"; exit; fi\n',
      );
      await chown(bashrc, world.user.uid, world.user.gid);
      try {
        const certificate = await world.certificateFor(world.web);
        const result = await world.sshFront(world.web, certificate, '!echo bashrc-attack-$((40+2)); id');
        const log = await logWith(
          world.web,
          (text, commands) =>
            commands.some((c) => c.includes('bashrc-attack')) &&
            (result.stdout === '' || text.includes(result.stdout.trim().slice(0, 20))),
        );
        assert.ok(log.commands.some((c) => c.startsWith('!echo bashrc-attack')));
        if (result.stdout.includes('bashrc-attack-42')) assert.match(log.text, /bashrc-attack-42/);
      } finally {
        await writeFile(bashrc, before);
      }
    });

    it('PATH shadowing in the rc file does not hide a command', async () => {
      const bashrc = path.join(world.user.home, '.bashrc');
      const before = await readFile(bashrc, 'utf8');
      await writeFile(
        bashrc,
        `${before}mkdir -p ~/bin; printf '#!/bin/sh\\necho shadowed-ls\\n' > ~/bin/ls; chmod +x ~/bin/ls; PATH=~/bin:$PATH\n`,
      );
      await chown(bashrc, world.user.uid, world.user.gid);
      try {
        const certificate = await world.certificateFor(world.web);
        const result = await world.sshFront(world.web, certificate, 'ls /');
        assert.equal(result.code, 0, result.stderr);
        const log = await logWith(world.web, (text) => text.includes('shadowed-ls'));
        assert.match(log.text, /shadowed-ls/);
      } finally {
        await writeFile(bashrc, before);
      }
    });

    for (const [name, disguise] of [
      ['sftp-server', '/usr/lib/openssh/sftp-server </dev/null; echo SECRET-SFTP'],
      ['scp -t', 'scp -t /tmp; echo SECRET-SCP'],
      ['rsync --server', 'rsync --server . /tmp </dev/null; echo SECRET-RSYNC'],
    ] as const) {
      it(`a command disguised as ${name} is recorded with its output`, async () => {
        const certificate = await world.certificateFor(world.web);
        const secret = /SECRET-[A-Z]+/.exec(disguise)![0];
        const result = await world.sshFront(world.web, certificate, disguise, { input: '' });
        assert.match(result.stdout, new RegExp(secret));
        const log = await logWith(world.web, (text) => text.includes(secret));
        assert.ok(log.commands.includes(disguise), 'the command line as the client sent it');
      });
    }

    it('a local user who is not a Latchkey user can write nothing into the spool', async () => {
      const spool = path.join(world.web.stateDir, 'spool');
      assert.equal((await stat(spool)).mode & 0o077, 0, 'the spool is root-only');
      // No socket any local user could reach.
      await assert.rejects(access(path.join(world.web.stateDir, 'record.sock')));
      const attempt = await runCommand('runuser', [
        '-u',
        world.user.name,
        '--',
        'sh',
        '-c',
        `echo forged > ${spool}/forged.json`,
      ]);
      assert.notEqual(attempt.code, 0);
      await assert.rejects(access(path.join(spool, 'forged.json')));
    });
  });

  describe('live sessions', () => {
    it('an admin sees an open session and ends it; the client is disconnected within 5 s', async () => {
      const certificate = await world.certificateFor(world.web);
      // This session's own id (in the certificate's key id): an earlier test's shell on web-1 may still be
      // in the list until the agent's next heartbeat, and ending that one would end nothing here.
      const keyId = parseCertificate(await readFile(certificate, 'utf8')).keyId;
      const sessionId = /session=([A-Za-z0-9-]+)/.exec(keyId)?.[1];
      assert.ok(sessionId !== undefined, keyId);
      const terminal = await world.terminal(world.web, certificate);
      await terminal.waitFor('[lk-prompt] ');
      const live = await eventually('the session in the admin list', 20_000, async () => {
        const sessions = (await world.admin('GET', '/access/ssh_sessions')) as Json[];
        return sessions.find((s) => s.session_id === sessionId);
      });
      assert.equal(live.target_id, world.web.targetId);
      assert.equal(live.program, 'shell');
      assert.equal(live.person, 'bob@corp.example');
      assert.equal(live.unix_user, world.user.name);
      const started = Date.now();
      await world.admin('DELETE', `/access/ssh_sessions/${live.session_id}`);
      const code = await terminal.exited;
      assert.ok(Date.now() - started < 5000, `the session ended after ${Date.now() - started} ms`);
      assert.notEqual(code, 0);
      // The same certificate, still within its five minutes, does not simply log in again.
      const again = await world.sshFront(world.web, certificate, 'echo reused-after-end');
      assert.equal(again.code, 255, again.stdout);
      assert.doesNotMatch(again.stdout, /reused-after-end/);
    });

    it('disabling a person ends their open sessions on every target within 10 s', async () => {
      const spare = await world.certificateFor(world.web, 'bob');
      const onWeb = await world.terminal(world.web, await world.certificateFor(world.web, 'bob'));
      const onDb = await world.terminal(world.db, await world.certificateFor(world.db, 'carol'));
      await onWeb.waitFor('[lk-prompt] ');
      await onDb.waitFor('[lk-prompt] ');
      const disabled = await runServerCommand([
        'user',
        'disable',
        'bob@corp.example',
        '--data-dir',
        path.join(world.base, 'server'),
      ]);
      assert.equal(disabled.code, 0, disabled.stderr);
      // The 10 s run from the disable being stored (the command has committed when it exits), not from the
      // command's start: starting the server CLI from its sources alone took 12 s at load 16.
      const started = Date.now();
      await onWeb.exited;
      assert.ok(Date.now() - started < 10_000, `bob's session ended after ${Date.now() - started} ms`);
      // A certificate bob got before he was disabled opens nothing any more.
      const late = await world.sshFront(world.web, spare, 'echo in-after-disable');
      assert.equal(late.code, 255, late.stdout);
      // carol's session on the other target goes on.
      onDb.type('echo still-here\r');
      await onDb.waitFor('still-here');
      onDb.type('exit\r');
      assert.equal(await onDb.exited, 0);
      const enabled = await runServerCommand([
        'user',
        'enable',
        'bob@corp.example',
        '--data-dir',
        path.join(world.base, 'server'),
      ]);
      assert.equal(enabled.code, 0, enabled.stderr);
    });
  });
});
