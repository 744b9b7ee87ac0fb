/** In-memory ports for the agent's use-cases: a control plane, an access server, state, host facts, a watcher. */
import { LatchkeyError } from '@latchkey/shared';
import type { SessionControl } from '@latchkey/shared/api/ssh-sessions';
import type {
  AgentCredential,
  AgentEnrollBody,
  AgentHeartbeatBody,
  AgentReenrollBody,
} from '@latchkey/shared';
import type { AgentServer } from '../../../../agent/src/app/ports/agent-server.js';
import type {
  AgentStateStore,
  AgentStatus,
  Enrolment,
  Registration,
} from '../../../../agent/src/app/ports/agent-state.js';
import type { ControlPlane } from '../../../../agent/src/app/ports/control-plane.js';
import type { FileWatcher } from '../../../../agent/src/app/ports/file-watcher.js';
import type { HostInfo } from '../../../../agent/src/app/ports/host-info.js';
import type { InterfaceAddress } from '../../../../agent/src/domain/agent/pick-addresses.js';
import type { ListedTarget, TargetBody } from '../../../../agent/src/domain/agent/plan-registration.js';

const unreachable = () =>
  new LatchkeyError('unavailable', 'cannot reach http://server: connect ECONNREFUSED');

export class FakeControlPlane implements ControlPlane {
  readonly targets: ListedTarget[] = [];
  readonly calls: string[] = [];
  caKeys: string[] = [];
  reachable = true;
  /** Cloudflare: what a POST gateway_ca answers (undefined: already exists). */
  caToCreate: string | undefined;
  private nextId = 1;

  async listTargetsByHostname(hostname: string): Promise<ListedTarget[]> {
    this.check(`list ${hostname}`);
    return this.targets.filter((t) => t.hostname === hostname);
  }
  async getTarget(id: string): Promise<ListedTarget | undefined> {
    this.check(`get ${id}`);
    return this.targets.find((t) => t.id === id);
  }
  async createTarget(body: TargetBody): Promise<ListedTarget> {
    this.check(`create ${JSON.stringify(body)}`);
    const target = { id: `00000000-0000-4000-8000-00000000000${this.nextId++}`, ...body };
    this.targets.push(target);
    return target;
  }
  async replaceTarget(id: string, body: TargetBody): Promise<ListedTarget> {
    this.check(`replace ${id} ${JSON.stringify(body)}`);
    const index = this.targets.findIndex((t) => t.id === id);
    this.targets[index] = { id, ...body };
    return this.targets[index]!;
  }
  async findVirtualNetworkId(name: string): Promise<string | undefined> {
    this.check(`vnet ${name}`);
    return name === 'prod' ? '99999999-9999-4999-8999-999999999999' : undefined;
  }
  async listCaPublicKeys(): Promise<string[]> {
    this.check('get gateway_ca');
    return [...this.caKeys];
  }
  async createCa(): Promise<string | undefined> {
    this.check('post gateway_ca');
    return this.caToCreate;
  }
  private check(call: string): void {
    if (!this.reachable) throw unreachable();
    this.calls.push(call);
  }
}

export class FakeAgentServer implements AgentServer {
  readonly heartbeats: AgentHeartbeatBody[] = [];
  readonly enrolments: AgentEnrollBody[] = [];
  readonly reenrolments: { credential: string; body: AgentReenrollBody }[] = [];
  /** What `reenroll` throws instead of answering (e.g. the server refusing a revoked credential). */
  reenrollRefusal: Error | undefined;
  /** The target the server says the agent has, in enrol and re-enrol answers. */
  answerTargetId: string | undefined;
  /** The warnings the server adds to an enrolment's answer. */
  answerWarnings: string[] | undefined;
  renewals = 0;
  reachable = true;
  clockOffsetMs: number | undefined = 1200;
  /** The host certificate heartbeat answers carry for the front, none when undefined. */
  frontHostCertificate: string | undefined;

  async enroll(body: AgentEnrollBody): Promise<AgentCredential> {
    if (!this.reachable) throw unreachable();
    this.enrolments.push(body);
    return {
      ...credential('lk_first'),
      ...(this.answerTargetId === undefined ? {} : { target_id: this.answerTargetId }),
      ...(this.answerWarnings === undefined ? {} : { warnings: this.answerWarnings }),
    };
  }
  async reenroll(proof: string, body: AgentReenrollBody): Promise<AgentCredential> {
    if (!this.reachable) throw unreachable();
    this.reenrolments.push({ credential: proof, body });
    if (this.reenrollRefusal !== undefined) throw this.reenrollRefusal;
    return {
      ...credential('lk_reenrolled'),
      ...(this.answerTargetId === undefined ? {} : { target_id: this.answerTargetId }),
    };
  }
  async renewCredential(): Promise<AgentCredential> {
    if (!this.reachable) throw unreachable();
    this.renewals++;
    return credential(`lk_renewed_${this.renewals}`);
  }
  async heartbeat(
    body: AgentHeartbeatBody,
  ): Promise<{ clockOffsetMs?: number; frontHostCertificate?: string }> {
    if (!this.reachable) throw unreachable();
    this.heartbeats.push(structuredClone(body));
    return {
      ...(this.clockOffsetMs === undefined ? {} : { clockOffsetMs: this.clockOffsetMs }),
      ...(this.frontHostCertificate === undefined ? {} : { frontHostCertificate: this.frontHostCertificate }),
    };
  }
  /** Orders to end sessions, answered in turn; an empty queue answers "nothing new" at the cursor. */
  readonly sessionOrders: SessionControl[] = [];
  readonly sessionControlCalls: { after: number | undefined; waitSeconds: number }[] = [];
  async sessionControl(after: number | undefined, waitSeconds: number): Promise<SessionControl> {
    if (!this.reachable) throw unreachable();
    this.sessionControlCalls.push({ after, waitSeconds });
    return this.sessionOrders.shift() ?? { terminations: [], cursor: after ?? 0 };
  }
}

function credential(token: string): AgentCredential {
  return {
    agent_id: '55555555-5555-4555-8555-555555555555',
    account_id: '66666666-6666-4666-8666-666666666666',
    api_token: token,
    expires_at: '2026-12-24T12:00:00.000Z',
  };
}

export class MemoryAgentState implements AgentStateStore {
  readonly stateDir = '/var/lib/latchkey-agent';
  enrolment: Enrolment | undefined;
  registration: Registration | undefined;
  status: AgentStatus | undefined;
  caKeys: readonly string[] | undefined;
  async readCaKeys() {
    return this.caKeys;
  }
  async writeCaKeys(keys: readonly string[]) {
    this.caKeys = keys;
  }
  async readEnrolment() {
    return this.enrolment;
  }
  async writeEnrolment(enrolment: Enrolment) {
    this.enrolment = enrolment;
  }
  async readRegistration() {
    return this.registration;
  }
  async writeRegistration(registration: Registration) {
    this.registration = registration;
  }
  async forgetRegistration() {
    this.registration = undefined;
  }
  async readStatus() {
    return this.status;
  }
  async writeStatus(status: AgentStatus) {
    this.status = status;
  }
}

export class FakeHostInfo implements HostInfo {
  name = 'Web_1.example.com.';
  addresses: InterfaceAddress[] = [
    { interface: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
    { interface: 'eth0', address: '10.0.0.5', family: 'IPv4', internal: false },
  ];
  async hostname() {
    return this.name;
  }
  async machineId() {
    return '0123456789abcdef0123456789abcdef';
  }
  async interfaceAddresses() {
    return this.addresses;
  }
  async distro() {
    return 'Debian GNU/Linux 12';
  }
  async sshdVersion() {
    return 'OpenSSH_9.2p1';
  }
  accounts: { uidMin: number; systemUsers: string[] } | undefined = {
    uidMin: 1000,
    systemUsers: ['root', 'daemon', 'nobody'],
  };
  async systemAccounts() {
    return this.accounts;
  }
}

export class FakeWatcher implements FileWatcher {
  paths: readonly string[] = [];
  stopped = false;
  private listener: ((path: string) => void) | undefined;
  async watch(paths: readonly string[], onChange: (path: string) => void) {
    this.paths = paths;
    this.listener = onChange;
    return async () => {
      this.stopped = true;
    };
  }
  fire(path: string): void {
    this.listener?.(path);
  }
}
