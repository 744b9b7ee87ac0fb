/**
 * The agent's state directory as JSON files: enrolment.json (the credential: 0600, the directory 0700),
 * registration.json, ca-keys.json (the CA keys last fetched) and status.json. Written atomically (a crash leaves the old file or the new one).
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { AgentStateStore, AgentStatus, Enrolment, Registration } from '../../app/ports/agent-state.js';
import type { FileSystem } from '../../app/ports/file-system.js';

export class AgentStateFiles implements AgentStateStore {
  constructor(
    private readonly files: FileSystem,
    readonly stateDir: string,
  ) {}

  readEnrolment(): Promise<Enrolment | undefined> {
    return this.read<Enrolment>('enrolment.json');
  }
  writeEnrolment(enrolment: Enrolment): Promise<void> {
    return this.write('enrolment.json', enrolment, 0o600);
  }
  readRegistration(): Promise<Registration | undefined> {
    return this.read<Registration>('registration.json');
  }
  writeRegistration(registration: Registration): Promise<void> {
    return this.write('registration.json', registration, 0o600);
  }
  forgetRegistration(): Promise<void> {
    return this.files.remove(`${this.stateDir}/registration.json`);
  }
  async readCaKeys(): Promise<readonly string[] | undefined> {
    return (await this.read<{ keys: string[] }>('ca-keys.json'))?.keys;
  }
  writeCaKeys(keys: readonly string[]): Promise<void> {
    return this.write('ca-keys.json', { keys }, 0o644);
  }
  readStatus(): Promise<AgentStatus | undefined> {
    return this.read<AgentStatus>('status.json');
  }
  writeStatus(status: AgentStatus): Promise<void> {
    return this.write('status.json', status, 0o644);
  }

  private async read<T>(name: string): Promise<T | undefined> {
    const path = `${this.stateDir}/${name}`;
    const bytes = await this.files.read(path);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T;
    } catch (error) {
      throw new LatchkeyError(
        'invalid_config',
        `${path} is not valid JSON; remove it and enrol again (latchkey-agent enroll)`,
        { cause: error },
      );
    }
  }

  private async write(name: string, value: unknown, mode: number): Promise<void> {
    await this.files.makeDirectory(this.stateDir, 0o700);
    await this.files.writeAtomic(`${this.stateDir}/${name}`, `${JSON.stringify(value, null, 2)}\n`, { mode });
  }
}
