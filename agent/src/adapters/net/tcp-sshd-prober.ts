import net from 'node:net';
import type { SshdProbeResult, SshdProber } from '../../app/ports/sshd-prober.js';
import type { TcpEndpoint } from '../../domain/sshd/sshd-listen-endpoints.js';

/** RFC 4253 4.2: the identification line is at most 255 bytes; other lines may come before it. */
const MAX_PREAMBLE_BYTES = 8192;

/**
 * The SshdProber port on node:net: connect, read lines until the `SSH-` identification line, close
 * without sending anything (sshd logs a closed connection, nothing worse).
 */
export class TcpSshdProber implements SshdProber {
  probe(endpoint: TcpEndpoint, timeoutMs: number): Promise<SshdProbeResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      let received = '';
      const finish = (result: SshdProbeResult) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(
        () => finish({ answered: false, reason: `no SSH banner within ${timeoutMs} ms` }),
        timeoutMs,
      );
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
        for (const line of received.split('\n').slice(0, -1)) {
          const text = line.replace(/\r$/, '');
          if (text.startsWith('SSH-2.0-') || text.startsWith('SSH-1.99-'))
            return finish({ answered: true, banner: text });
          if (text.startsWith('SSH-'))
            return finish({ answered: false, reason: `unsupported SSH version: ${text}` });
        }
        if (received.length > MAX_PREAMBLE_BYTES)
          finish({ answered: false, reason: 'no SSH identification line in the first 8 KB' });
      });
      socket.once('error', (error) => finish({ answered: false, reason: error.message }));
      socket.once('end', () => finish({ answered: false, reason: 'closed before sending an SSH banner' }));
    });
  }
}
