import type { SshdHost } from '../app/sshd-host.js';
import { SystemClock } from './clock/system-clock.js';
import { NodeFileSystem } from './fs/node-file-system.js';
import { TcpSshdProber } from './net/tcp-sshd-prober.js';
import { ChildProcessRunner } from './process/child-process-runner.js';
import { NodeProcessSignaller } from './process/node-process-signaller.js';

/** The real I/O for the sshd use-cases. */
export function nodeSshdHost(): SshdHost {
  return {
    files: new NodeFileSystem(),
    commands: new ChildProcessRunner(),
    prober: new TcpSshdProber(),
    signals: new NodeProcessSignaller(),
    clock: new SystemClock(),
  };
}
