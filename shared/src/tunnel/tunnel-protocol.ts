/**
 * The tunnel's wire contract (docs/tunnels.md), shared by the server, the agent and the CLI so the two ends
 * of each link cannot drift apart.
 */

/** WebSocket sub-protocol of an agent's link: HTTP/2 inside, the server as the HTTP/2 client. */
export const AGENT_SUBPROTOCOL = 'latchkey.tunnel.v1';

/** WebSocket sub-protocol of one person's stream: its binary messages are the SSH connection's bytes. */
export const STREAM_SUBPROTOCOL = 'latchkey.stream.v1';

/** HTTP/2 flow-control windows on an agent's link, set alike on both ends (frp #2987: too small is slow). */
export const TUNNEL_STREAM_WINDOW = 4 * 1024 * 1024;
export const TUNNEL_CONNECTION_WINDOW = 32 * 1024 * 1024;
