import type { ProcessSignaller } from '../../app/ports/process-signaller.js';

/** The ProcessSignaller port on process.kill. */
export class NodeProcessSignaller implements ProcessSignaller {
  send(pid: number, signal: 'SIGHUP'): Promise<void> {
    process.kill(pid, signal);
    return Promise.resolve();
  }
}
