import { LATCHKEY_VERSION } from '@latchkey/shared/version';

/** The agent's version, reported at enrolment and in heartbeats: Latchkey's one version. */
export const AGENT_VERSION = LATCHKEY_VERSION;
