import type { GlobalView } from './sshd-global-directives.js';

export interface TcpEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Where to knock to see that sshd answers, from the global Port and ListenAddress lines (Include
 * expanded): every ListenAddress with its own port or else every Port; no ListenAddress means all
 * addresses, probed on loopback. Wildcard addresses are probed on their loopback. Default port 22.
 */
export function sshdListenEndpoints(view: GlobalView): TcpEndpoint[] {
  const ports = view.directives
    .filter((d) => d.line.keyword === 'port')
    .map((d) => Number.parseInt(d.line.args[0] ?? '', 10))
    .filter((port) => Number.isInteger(port) && port > 0 && port < 65536);
  const defaultPorts = ports.length > 0 ? [...new Set(ports)] : [22];
  const listen = view.directives.filter((d) => d.line.keyword === 'listenaddress');
  const endpoints: TcpEndpoint[] = [];
  if (listen.length === 0) defaultPorts.forEach((port) => endpoints.push({ host: '127.0.0.1', port }));
  for (const { line } of listen) {
    const { host, port } = splitHostPort(line.args[0] ?? '');
    const probeHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    (port === undefined ? defaultPorts : [port]).forEach((p) => endpoints.push({ host: probeHost, port: p }));
  }
  const seen = new Set<string>();
  return endpoints.filter((e) => !seen.has(`${e.host} ${e.port}`) && seen.add(`${e.host} ${e.port}`));
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address (no port). */
function splitHostPort(value: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(value);
  if (bracketed) return withPort(bracketed[1]!, bracketed[2]);
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = value.split(':');
    return withPort(host!, port);
  }
  return { host: value };
}

function withPort(host: string, port: string | undefined): { host: string; port?: number } {
  const number = port === undefined ? Number.NaN : Number.parseInt(port, 10);
  return Number.isInteger(number) && number > 0 && number < 65536 ? { host, port: number } : { host };
}
