/**
 * Closes a gap in ssh2 1.17's server: it can answer a client's `auth-agent-req@openssh.com` but cannot
 * open the `auth-agent@openssh.com` channel back to the client through which a forwarded agent is
 * reached (its Connection has x11() and forwardOut(), not this). The protocol layer can send the
 * CHANNEL_OPEN (Protocol.openssh_authAgent); this module registers the channel with ssh2's channel
 * manager the way its own private openChannel() does, so ssh2's CHANNEL_OPEN_CONFIRMATION handler makes
 * the Channel. It relies on ssh2 internals (`_chanMgr`, `_protocol.openssh_authAgent`), checked here and
 * pinned to the version it was tested with (test/e2e/front/front-transfers.test.ts forwards a real
 * ssh-agent through the front).
 */
import type { Channel, Connection } from 'ssh2';

export const TESTED_SSH2_VERSION = '1.17.0';

/** ssh2's lib/Channel.js MAX_WINDOW and PACKET_SIZE. */
const INITIAL_WINDOW = 2 * 1024 * 1024;
const MAX_PACKET = 32 * 1024;

interface Ssh2ConnectionInternals {
  _chanMgr?: { add(value: unknown): number; remove(id: number): void };
  _protocol?: { openssh_authAgent?(chan: number, initWindow: number, maxPacket: number): void };
}

export function openAuthAgentChannel(connection: Connection): Promise<Channel> {
  const internals = connection as unknown as Ssh2ConnectionInternals;
  const manager = internals._chanMgr;
  const protocol = internals._protocol;
  if (manager === undefined || typeof protocol?.openssh_authAgent !== 'function') {
    return Promise.reject(
      new Error(
        `ssh2's internals changed: open-agent-channel.ts was written for ssh2 ${TESTED_SSH2_VERSION}; update it and its test`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const opened = (error: Error | undefined, channel: Channel): void =>
      error ? reject(error) : resolve(channel);
    (opened as unknown as { type: string }).type = 'auth-agent@openssh.com';
    const id = manager.add(opened);
    if (id === -1) {
      reject(new Error('no free channels'));
      return;
    }
    protocol.openssh_authAgent!(id, INITIAL_WINDOW, MAX_PACKET);
  });
}
