/**
 * The tunnel's wire contract (docs/tunnels.md), shared by the server, the agent and the CLI so the two ends
 * of each link cannot drift apart.
 */

/** WebSocket sub-protocol of an agent's link: HTTP/2 inside, the server as the HTTP/2 client. */
export const AGENT_SUBPROTOCOL = 'latchkey.tunnel.v1';

/** WebSocket sub-protocol of one person's stream: its binary messages are the SSH connection's bytes. */
export const STREAM_SUBPROTOCOL = 'latchkey.stream.v1';

/**
 * HTTP/2 flow-control windows on an agent's link, set alike on both ends (frp #2987: too small is slow).
 *
 * Each stream's window bounds what one stream can hold in memory when its reader stops; the link's window
 * is the largest HTTP/2 allows, so that it never binds. With a shared window that the streams' windows
 * could fill (it was 8 streams' worth), a person who stopped reading 8 streams stalled every other
 * stream of that agent. What one person can hold is bounded by their stream cap instead
 * (TUNNEL_STREAMS_PER_PERSON × TUNNEL_STREAM_WINDOW per direction).
 */
export const TUNNEL_STREAM_WINDOW = 2 * 1024 * 1024;
export const TUNNEL_CONNECTION_WINDOW = 2 ** 31 - 1;

/**
 * Streams one agent takes at once on its link (HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS). Issue #14 asks
 * for 1,000 concurrent streams through one agent (bench/tunnel-streams.bench.ts). With the link's window
 * out of the way, what its streams can hold is this × TUNNEL_STREAM_WINDOW: 2 GiB only if every stream's
 * reader stalls, which takes 32 people (TUNNEL_STREAMS_PER_PERSON) stalling all of theirs; one person
 * holds at most 64 MiB. An agent with two links (several servers, docs/tunnels.md) takes up to
 * 2 × TUNNEL_STREAMS_PER_LINK streams, and its budget doubles with them.
 */
export const TUNNEL_STREAMS_PER_LINK = 1024;

/** Streams one person may have open through one server at once (each is one SSH connection). */
export const TUNNEL_STREAMS_PER_PERSON = 32;

/** The largest binary message a person's stream takes: a relayed chunk, far above what clients send. */
export const TUNNEL_STREAM_MAX_MESSAGE = 1024 * 1024;

/** WebSocket sub-protocol of one stream forwarded between two servers (docs/tunnels.md "Several servers"). */
export const PEER_SUBPROTOCOL = 'latchkey.peer.v1';

/**
 * The header on an agent's tunnel upgrade saying which of its links this is (`0` or `1`). A server holds
 * one link per agent: the same link again replaces the older one (an agent that restarted); the agent's
 * other link is refused with 409 (`conflict`), and the agent dials another server for it. An agent that
 * sends no header (an older one) replaces whatever link of it the server holds.
 */
export const TUNNEL_LINK_HEADER = 'latchkey-link';

/** The WebSocket close code of a link refused after its upgrade raced its agent's other link in. */
export const TUNNEL_LINK_CONFLICT_CLOSE = 4409;

/**
 * The request a server sends on an agent's link (`POST`, a JSON body) to tell it the live servers
 * (`{"self": {"id", "url"}, "servers": [{"id", "url"}]}`), so that it keeps a second link.
 */
export const TUNNEL_SERVERS_PATH = '/latchkey/servers';
