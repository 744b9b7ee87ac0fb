/**
 * What the agent keeps in its state directory (adapters/fs/agent-state-files.ts): the enrolment (its
 * credential and the settings given at enrolment; a secret, so mode 0600) and the target it registered.
 */
export interface Enrolment {
  /** The access server's base URL, e.g. https://access.example.com. */
  readonly server: string;
  readonly accountId: string;
  readonly agentId: string;
  readonly apiToken: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** The virtual network's name, when not the default. */
  readonly virtualNetwork?: string;
  /** The hostname to register instead of the host's own. */
  readonly hostname?: string;
  /** Interfaces whose addresses count (default: every non-loopback one). */
  readonly interfaces?: readonly string[];
}

export interface Registration {
  readonly targetId: string;
}

/** What the last cycle of the daemon (or `apply`) found, for `latchkey-agent status`. */
export interface AgentStatus {
  readonly at: string;
  readonly targetId?: string;
  readonly hostname?: string;
  readonly addresses?: { readonly ipv4?: string; readonly ipv6?: string };
  readonly sshd: {
    readonly state: string;
    readonly method?: string;
    readonly message?: string;
    /** sshd may not have read the files an interrupted change left: the next start reloads it. */
    readonly reloadOwed?: boolean;
  };
  readonly caKeys?: number;
  readonly serverReachable: boolean;
  readonly error?: string;
}

export interface AgentStateStore {
  readonly stateDir: string;
  readEnrolment(): Promise<Enrolment | undefined>;
  writeEnrolment(enrolment: Enrolment): Promise<void>;
  readRegistration(): Promise<Registration | undefined>;
  writeRegistration(registration: Registration): Promise<void>;
  /** Forgets the registration (an earlier agent's target is not this one's); nothing when there is none. */
  forgetRegistration(): Promise<void>;
  /** The CA keys last fetched: drift is repaired from them even after a restart while the server is away. */
  readCaKeys(): Promise<readonly string[] | undefined>;
  writeCaKeys(keys: readonly string[]): Promise<void>;
  readStatus(): Promise<AgentStatus | undefined>;
  writeStatus(status: AgentStatus): Promise<void>;
}
