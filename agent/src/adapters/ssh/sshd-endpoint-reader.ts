/**
 * Reads where the local sshd listens and the host keys it serves (`sshd -T`, then each HostKey's `.pub`
 * file) for the front's inner hop. Kept once read; read again after an inner connection fails (sshd may
 * have been reconfigured): sshd -T costs tens of milliseconds, a login should not.
 */
import { readFile } from 'node:fs/promises';
import { parseSshPublicKey } from '@latchkey/shared/ssh/parse-public-key';
import type { CommandRunner } from '../../app/ports/command-runner.js';
import { sshdLoopbackEndpoint } from '../../domain/front/sshd-loopback-endpoint.js';
import type { SshdEndpoint } from '../../front/inner-sshd.js';

export class SshdEndpointReader {
  private cached: Promise<SshdEndpoint> | undefined;

  constructor(
    private readonly commands: CommandRunner,
    private readonly sshdPath: string,
    private readonly mainPath: string,
    private readonly log: (line: string) => void,
  ) {}

  endpoint(): Promise<SshdEndpoint> {
    this.cached ??= this.read().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  /** Forget what was read (sshd's configuration changed, or a connection to it failed). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<SshdEndpoint> {
    const result = await this.commands.run([this.sshdPath, '-T', '-f', this.mainPath], { timeoutMs: 30_000 });
    if (result.code !== 0) {
      throw new Error(`${this.sshdPath} -T failed: ${result.stderr.trim() || `exit ${String(result.code)}`}`);
    }
    const endpoint = sshdLoopbackEndpoint(result.stdout);
    if (endpoint.problem !== undefined) this.log(`ssh front: ${endpoint.problem}`);
    const hostKeys: Buffer[] = [];
    for (const file of endpoint.hostKeyFiles) {
      try {
        hostKeys.push(Buffer.from(parseSshPublicKey(await readFile(`${file}.pub`, 'utf8')).blob));
      } catch {
        // A host key without a readable .pub: sshd may still serve the others.
      }
    }
    if (hostKeys.length === 0) {
      throw new Error(
        `no public host key of sshd could be read (${endpoint.hostKeyFiles.map((f) => `${f}.pub`).join(', ') || 'no HostKey'}): ` +
          'the front will not log in to a server it cannot recognise; restore the .pub files (ssh-keygen -y -f KEY)',
      );
    }
    return { host: endpoint.host, port: endpoint.port, hostKeys };
  }
}
