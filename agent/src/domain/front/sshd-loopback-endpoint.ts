/**
 * Where the front reaches the local sshd, from `sshd -T` (the effective configuration): a loopback
 * address sshd listens on and the port, and the host key files whose public halves the front pins. Pure.
 *
 * A wildcard ListenAddress is reached on its loopback (0.0.0.0 → 127.0.0.1, :: → ::1); an sshd that
 * listens only on other addresses cannot be reached by the inner hop (its certificates carry
 * source-address loopback), which `problem` says, naming the fix.
 */
export interface SshdLoopbackEndpoint {
  readonly host: string;
  readonly port: number;
  /** HostKey paths (private keys); the pins are their `.pub` files. */
  readonly hostKeyFiles: readonly string[];
  readonly problem?: string;
}

export function sshdLoopbackEndpoint(effectiveConfig: string): SshdLoopbackEndpoint {
  const ports: number[] = [];
  const listen: { host: string; port: number }[] = [];
  const hostKeyFiles: string[] = [];
  for (const line of effectiveConfig.split('\n')) {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    const value = rest.join(' ');
    if (keyword === 'port') ports.push(Number(value));
    else if (keyword === 'hostkey') hostKeyFiles.push(value);
    else if (keyword === 'listenaddress') {
      const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
      if (match) listen.push({ host: match[1]!, port: Number(match[2]) });
    }
  }
  const loopback = listen
    .map(({ host, port }) => ({ host: toLoopback(host), port }))
    .filter((endpoint): endpoint is { host: string; port: number } => endpoint.host !== undefined)
    .sort((a, b) => (a.host.includes(':') ? 1 : 0) - (b.host.includes(':') ? 1 : 0));
  const chosen = loopback[0];
  if (chosen !== undefined) return { ...chosen, hostKeyFiles };
  const port = ports[0] ?? 22;
  return {
    host: '127.0.0.1',
    port,
    hostKeyFiles,
    ...(listen.length === 0
      ? {}
      : {
          problem:
            `sshd listens only on ${listen.map((e) => `${e.host}:${e.port}`).join(', ')}: the agent's front ` +
            `reaches it over loopback; add "ListenAddress 127.0.0.1" to sshd_config`,
        }),
  };
}

function toLoopback(host: string): string | undefined {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  if (host === '::1' || /^127\./.test(host)) return host;
  return undefined;
}
