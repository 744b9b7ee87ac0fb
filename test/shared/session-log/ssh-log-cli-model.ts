/**
 * A model of how Cloudflare's ssh-log-cli (src/hpke.rs, src/data.rs, src/pty.rs) reads a log, used to show
 * that Latchkey's records leave its output unchanged. The real tool is Rust and its crates cannot be
 * fetched on this machine, so this stands in for it; it follows the tool's reading rules exactly:
 * - its HPKE reader decrypts one chunk whenever its pending bytes run out, and reports end of stream when
 *   the input ends OR a chunk decrypts to nothing;
 * - the packet decoder reads total_len with one read(), stops on a 0-byte read, rejects sources other than 0/1;
 * - PTY sessions: origin packets go to term_data.txt (after a header line) with one timing line each, client
 *   packets are skipped; other sessions: client data to data_from_client.txt, origin to data_from_server.txt.
 */
import { parseHeader, setupHpkeRecipient } from '@latchkey/shared';

export interface SshLogCliOutput {
  files: Record<string, string>;
}

export function sshLogCliDecrypt(file: Uint8Array, privateKey: Uint8Array): SshLogCliOutput {
  const { metadata, headerLength } = parseHeader(file);
  const opener = setupHpkeRecipient(privateKey, Buffer.from(metadata.encapsulated_key, 'hex'));
  let offset = headerLength;
  let pending = Buffer.alloc(0);

  /** Ctx::read: fill from pending, else decrypt the next block; a 0-length result means end of stream. */
  const read = (wanted: number): Buffer => {
    if (pending.length === 0) {
      if (offset >= file.length) return Buffer.alloc(0);
      const length = new DataView(file.buffer, file.byteOffset).getUint32(offset);
      pending = Buffer.from(opener.open(file.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    const out = pending.subarray(0, wanted);
    pending = pending.subarray(out.length);
    return out;
  };
  const readExact = (wanted: number): Buffer => {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < wanted) {
      const part = read(wanted - got);
      if (part.length === 0) throw new Error('read_exact: unexpected end of stream');
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts);
  };
  const nextPacket = (): { source: number; elapsed: bigint; data: Buffer } | null => {
    const lengthBytes = read(4);
    if (lengthBytes.length === 0) return null;
    if (lengthBytes.length < 4) throw new Error('short read of total_len (a packet split across chunks)');
    const total = lengthBytes.readUInt32BE(0);
    if (total < 13) throw new Error('data packet too small');
    const body = readExact(total);
    if (body[0] !== 0 && body[0] !== 1) throw new Error('unexpected data source');
    return { source: body[0]!, elapsed: body.readBigUInt64BE(5), data: body.subarray(13) };
  };

  const files: Record<string, string> = {};
  if (metadata.pty) {
    const date = (seconds: number) =>
      new Date(seconds * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '+00');
    let data = `Session started on ${date(metadata.started_at)} [TERM="${metadata.pty.term ?? 'unknown'}" COLUMNS="${metadata.pty.width}" LINES="${metadata.pty.height}"]\n`;
    let times = '';
    let latest = 0n;
    for (let packet = nextPacket(); packet; packet = nextPacket()) {
      if (packet.source === 0) continue;
      data += packet.data.toString('latin1');
      times += `${(Number(packet.elapsed - latest) / 1e6).toFixed(6)} ${packet.data.length}\n`;
      latest = packet.elapsed;
    }
    const exit = metadata.exit_data;
    if (!exit) data += '\nSession has no termination data\n';
    else if (exit.error_msg !== null)
      data += `\nScript done on ${date(exit.timestamp)} [ERROR="${exit.error_msg}"]\n`;
    else if (exit.core_dumped) data += `\nScript done on ${date(exit.timestamp)} [CORE DUMPED]\n`;
    else data += `\nScript done on ${date(exit.timestamp)} [COMMAND_EXIT_CODE="${exit.status ?? 0}"]\n`;
    files['term_data.txt'] = data;
    files['term_times.txt'] = times;
  } else {
    let client = '';
    let server = '';
    for (let packet = nextPacket(); packet; packet = nextPacket()) {
      if (packet.source === 0) client += packet.data.toString('latin1');
      else server += packet.data.toString('latin1');
    }
    files['data_from_client.txt'] = client;
    files['data_from_server.txt'] = server;
  }
  return { files };
}
