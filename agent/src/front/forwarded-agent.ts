/**
 * The person's ssh-agent, as sshd sees it through the front: when a program on the target uses the
 * forwarded agent, sshd opens an agent channel to the front's inner connection, and ssh2 asks this agent
 * for a stream, which is a new `auth-agent@openssh.com` channel to the person's client
 * (open-agent-channel.ts). Only sessions whose certificate permits agent forwarding and whose client
 * asked for it request forwarding from sshd. The front counts the bytes each way (the log says agent
 * forwarding was used and how much; the agent protocol's content is never kept).
 */
import ssh2, { type Connection } from 'ssh2';
import type { Duplex } from 'node:stream';
import { openAuthAgentChannel } from './open-agent-channel.js';

export class ForwardedAgent extends ssh2.BaseAgent {
  bytesFromClient = 0;
  bytesToClient = 0;
  uses = 0;

  constructor(private readonly connection: Connection) {
    super();
  }

  override getStream(callback: (error: Error | undefined, stream?: Duplex) => void): void {
    openAuthAgentChannel(this.connection).then(
      (channel) => {
        this.uses++;
        channel.on('data', (bytes: Buffer) => (this.bytesFromClient += bytes.length));
        const write = channel.write.bind(channel);
        channel.write = ((bytes: Buffer, ...rest: unknown[]) => {
          this.bytesToClient += bytes.length;
          return (write as (...args: unknown[]) => boolean)(bytes, ...rest);
        }) as typeof channel.write;
        callback(undefined, channel);
      },
      (error: Error) => callback(error),
    );
  }

  // The front never signs or lists keys itself: ssh2 uses getStream() only, for forwarding.
  override getIdentities(callback: (error: Error | undefined, keys?: never[]) => void): void {
    callback(new Error('not an agent for the front itself'));
  }
  override sign(_key: unknown, _data: Buffer, ...rest: unknown[]): void {
    const callback = rest.at(-1) as (error: Error | undefined) => void;
    callback(new Error('not an agent for the front itself'));
  }
}
