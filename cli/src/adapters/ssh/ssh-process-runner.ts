/**
 * The SshRunner port: the system OpenSSH client as a child process. The key and certificate live in a
 * fresh 0700 temp dir (files 0600) only while ssh runs; it is removed when ssh ends, and on SIGINT,
 * SIGTERM and SIGHUP, which are passed on to ssh first. (Only a SIGKILL of latchkey itself leaves it
 * behind, with a certificate that expires within minutes.) stdin and stdout are ssh's own; stderr passes
 * through latchkey so that a changed-host-key refusal can be recognised.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatchkeyError } from '@latchkey/shared';
import type { SshCredentialFiles, SshRunResult, SshRunner } from '../../app/ports/ssh-runner.js';

const STDERR_TAIL_BYTES = 16 * 1024;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class SshProcessRunner implements SshRunner {
  constructor(private readonly sshPath = 'ssh') {}

  async run(
    material: { privateKey: string; certificate: string },
    argumentsFor: (files: SshCredentialFiles) => string[],
  ): Promise<SshRunResult> {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-ssh-'));
    const removeNow = () => rmSync(dir, { recursive: true, force: true });
    process.on('exit', removeNow);
    try {
      const files: SshCredentialFiles = {
        privateKeyFile: join(dir, 'id_ed25519'),
        certificateFile: join(dir, 'id_ed25519-cert.pub'),
      };
      await writeFile(files.privateKeyFile, material.privateKey, { mode: 0o600, flag: 'wx' });
      await writeFile(files.certificateFile, `${material.certificate.trim()}\n`, { mode: 0o600, flag: 'wx' });
      return await this.spawnSsh(argumentsFor(files));
    } finally {
      await rm(dir, { recursive: true, force: true });
      process.off('exit', removeNow);
    }
  }

  private spawnSsh(args: string[]): Promise<SshRunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.sshPath, args, { stdio: ['inherit', 'inherit', 'pipe'] });
      let tail = Buffer.alloc(0);
      child.stderr.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
      });
      const forward = (signal: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
      const stopForwarding = () => {
        for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      };
      child.on('error', (error) => {
        stopForwarding();
        reject(
          new LatchkeyError(
            'unavailable',
            `cannot run ${this.sshPath} (${error.message}); install the OpenSSH client (e.g. apt install openssh-client)`,
            { cause: error },
          ),
        );
      });
      child.on('close', (code, signal) => {
        stopForwarding();
        resolve({
          exitCode: code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)),
          stderrTail: tail.toString('utf8'),
        });
      });
    });
  }
}
