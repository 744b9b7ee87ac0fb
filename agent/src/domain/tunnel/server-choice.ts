/**
 * Which access server each of the agent's tunnel links dials (issue #14, docs/tunnels.md "Several
 * servers"). Where several servers share one database, each tells the agents on its links the live
 * servers (`{"self": {"id", "url"}, "servers": [...]}`); the agent keeps links to up to two distinct ones,
 * so that killing one leaves every agent reachable through another.
 *
 * - The first link dials the URL the agent enrolled with (which may be a load balancer); once that fails,
 *   it goes round that URL and every known server the other link does not hold.
 * - The second link dials a known server other than the first link's (by id) and other than the enrolled
 *   URL; with none (one server), it waits for news and dials nothing.
 * - Two links that land on the same server (a load balancer sent the first where the second was): the
 *   second gives way, and a server refuses an agent's link while it holds the agent's other one.
 * - A link never counts the server it was last on as another one to go round to.
 */

export interface KnownServer {
  id: string;
  url: string;
}

export interface ServersAdvertisement {
  /** The server that sent it; its URL is absent when it is not announced to agents. */
  self: { id: string; url?: string };
  /** The servers to dial: empty while only one is live. */
  servers: KnownServer[];
}

/** At most this many servers are kept from one advertisement. */
const MAX_SERVERS = 32;

/**
 * A server's advertisement, checked: ids are short tokens, URLs http(s) with no credentials, query nor
 * fragment, and https when the agent enrolled over https (an advertisement never downgrades the link's
 * security: the agent sends its credential to these URLs). A listed server that fails these checks is
 * left out; undefined when the body is not an advertisement or its sender (`self`) fails them.
 */
export function parseServersAdvertisement(
  body: unknown,
  enrolledUrl: string,
): ServersAdvertisement | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { self, servers } = body as { self?: unknown; servers?: unknown };
  const secureOnly = enrolledUrl.startsWith('https:');
  const server = (value: unknown): KnownServer | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, url } = value as { id?: unknown; url?: unknown };
    if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id) || typeof url !== 'string') {
      return undefined;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const schemeOk = parsed.protocol === 'https:' || (!secureOnly && parsed.protocol === 'http:');
    if (
      !schemeOk ||
      parsed.username !== '' ||
      parsed.password !== '' ||
      parsed.search !== '' ||
      parsed.hash !== ''
    ) {
      return undefined;
    }
    return { id, url: parsed.href.replace(/\/+$/, '') };
  };
  const { id: selfId, url: selfUrl } = (typeof self === 'object' && self !== null ? self : {}) as {
    id?: unknown;
    url?: unknown;
  };
  // A server not announced to agents names itself by id only.
  const me =
    selfUrl === undefined ? server({ id: selfId, url: 'https://unannounced.invalid' }) : server(self);
  if (me === undefined || !Array.isArray(servers)) return undefined;
  // A bad entry (an http URL to an agent enrolled over https, a server misconfigured) is dropped alone:
  // the others are still dialled. Only a bad naming of the sender refuses the whole advertisement.
  const listed = servers
    .slice(0, MAX_SERVERS)
    .map(server)
    .filter((entry): entry is KnownServer => entry !== undefined);
  return {
    self: selfUrl === undefined ? { id: me.id } : me,
    servers: listed,
  };
}

export interface LinkChoice {
  /** 0: the first link, 1: the second. */
  slot: 0 | 1;
  enrolledUrl: string;
  known: readonly KnownServer[];
  /** The server the other link is on (or was last on), by id. */
  otherServerId?: string;
  /** The server this link was last on, by id: not "another server" to go round to. */
  ownServerId?: string;
  /** This link's failed dials since it last held. */
  failures: number;
}

/** The URL this link dials next; undefined: nothing to dial (wait for news). */
export function serverToDial(choice: LinkChoice): string | undefined {
  const enrolled = choice.enrolledUrl.replace(/\/+$/, '');
  const notOthers = (server: KnownServer) => server.id === choice.otherServerId || server.url === enrolled;
  const elsewhere = choice.known.filter((server) => !notOthers(server));
  // The server this link was last on is not another one; the second link, which has nothing else to
  // fall back on, still dials it again when it is the only one.
  const fresh = elsewhere.filter((server) => server.id !== choice.ownServerId);
  const others = (choice.slot === 0 || fresh.length > 0 ? fresh : elsewhere).map((server) => server.url);
  const candidates = choice.slot === 0 ? [enrolled, ...others] : others;
  const unique = [...new Set(candidates)];
  if (unique.length === 0) return undefined;
  return unique[choice.failures % unique.length];
}
