/** Signals a running process (adapters/process/node-process-signaller.ts): SIGHUP is how sshd reloads without a service manager. */
export interface ProcessSignaller {
  /** Rejects when there is no such process or it may not be signalled. */
  send(pid: number, signal: 'SIGHUP'): Promise<void>;
}
