/** The agent's version, reported at enrolment and in heartbeats. */
export const AGENT_VERSION = '0.1.0';
