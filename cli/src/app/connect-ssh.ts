import type { SshPrivateKey } from '@latchkey/shared';
import { parseDestination } from '../domain/destination.js';
import { changedHostKeyMessage, reportsChangedHostKey } from '../domain/known-hosts.js';
import { sshArguments } from '../domain/ssh-arguments.js';
import type { SshPassThroughOptions } from '../domain/ssh-arguments.js';
import { obtainCertificate } from './obtain-certificate.js';
import type { Notify } from './ports/environment.js';
import type { SshRunner } from './ports/ssh-runner.js';
import type { SessionDeps } from './signed-in-session.js';

export interface ConnectDeps extends SessionDeps {
  ssh: SshRunner;
  generateKey: () => SshPrivateKey;
  notify: Notify;
  knownHostsFile: string;
}

export interface ConnectRequest {
  /** `[USER@]TARGET` */
  destination: string;
  command: readonly string[];
  passThrough: SshPassThroughOptions;
  localUsername?: string;
}

/**
 * `latchkey ssh`: a fresh Ed25519 key pair that never outlives the connection, a certificate for it,
 * then the system ssh straight to the target. Answers ssh's exit status; when ssh refused a changed host
 * key, says which target and how to fix it.
 */
export async function connectSsh(deps: ConnectDeps, request: ConnectRequest): Promise<number> {
  const { username, target } = parseDestination(request.destination);
  const key = deps.generateKey();
  const obtained = await obtainCertificate(deps, {
    target,
    key,
    ...(username === undefined ? {} : { username }),
    ...(request.localUsername === undefined ? {} : { localUsername: request.localUsername }),
  });
  const hostname = obtained.target.hostname;
  const result = await deps.ssh.run(
    {
      privateKey: key.toOpenSSH(`latchkey ${obtained.issued.key_id}`),
      certificate: obtained.issued.certificate,
    },
    (files) =>
      sshArguments({
        ...files,
        knownHostsFile: deps.knownHostsFile,
        hostKeyAlias: hostname,
        address: obtained.issued.target.address,
        port: obtained.issued.target.port,
        username: obtained.username,
        passThrough: request.passThrough,
        command: request.command,
      }),
  );
  if (result.exitCode === 255 && reportsChangedHostKey(result.stderrTail)) {
    deps.notify(changedHostKeyMessage(hostname, deps.knownHostsFile));
  }
  return result.exitCode;
}
