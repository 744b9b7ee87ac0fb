/** An open session through the agent's SSH front, as the heartbeat reports it (DESIGN.md flow 9). */
export interface FrontSessionReport {
  readonly sessionId: string;
  readonly person: string;
  readonly unixUser: string;
  readonly program: 'shell' | 'exec' | 'subsystem';
  readonly command?: string;
  readonly startedAt: Date;
  readonly clientAddress: string;
}
