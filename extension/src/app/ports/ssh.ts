import type { Duplex } from 'node:stream';
import type { HostKeyPins } from '../../domain/host-key-pins.js';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** How a shell ended: the remote exit status or signal, or the error that cut it (connection drop). */
export interface ShellEnd {
  exitCode?: number;
  signal?: string;
  error?: Error;
}

/** An interactive shell with a PTY on the target. */
export interface SshShell {
  onData(listener: (data: Buffer) => void): void;
  onEnd(listener: (end: ShellEnd) => void): void;
  write(data: string): void;
  resize(size: TerminalSize): void;
  /** Closes the session and the connection (idempotent). */
  close(): void;
}

/** A key pair that lives only in memory for one connection. */
export interface ConnectionKey {
  publicKeyLine: string;
  publicKeyBlob: Buffer;
  privateKeyOpenSsh: string;
  sign(data: Buffer): Buffer;
}

export interface ShellRequest {
  host: string;
  port: number;
  username: string;
  key: ConnectionKey;
  /** The OpenSSH certificate line for `key`. */
  certificate: string;
  size: TerminalSize;
  /**
   * Answers whether the host key (its SHA256 fingerprint, and its wire blob: a certificate's whole blob)
   * may be trusted; false stops the connection.
   */
  verifyHostKey(fingerprint: string, hostKeyBlob: Uint8Array): Promise<boolean>;
  /** The host key algorithms to offer (a fronted target: those of the key the server gives); default: all. */
  hostKeyAlgorithms?: string[];
  /** The connection's bytes go over this stream (the tunnel) instead of a TCP connection to host:port. */
  socket?: Duplex;
}

export interface SshConnector {
  /** Rejects with a LatchkeyError that says what failed (unreachable, refused login, host key refused). */
  openShell(request: ShellRequest): Promise<SshShell>;
}

export interface KeyFactory {
  generate(comment: string): ConnectionKey;
}

/** Pinned host keys (the extension's global storage). */
export interface HostKeyStore {
  load(): Promise<HostKeyPins>;
  save(pins: HostKeyPins): Promise<void>;
}
