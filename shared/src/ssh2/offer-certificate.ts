/**
 * Closes ssh2's certificate gap (ssh2 issue #551; ../shared/spec/openssh-notes.md): ssh2 1.17 can
 * neither offer an OpenSSH certificate in publickey auth nor name the algorithms as OpenSSH wants.
 * For a certificate, the USERAUTH_REQUEST must say `ssh-ed25519-cert-v01@openssh.com` with the
 * certificate blob as the public key, and the signature inside must be named `ssh-ed25519` (the
 * signing key's algorithm); ssh2 writes one name in both places.
 *
 * This module replaces `authPK` on one connection's Protocol object: when ssh2 asks to authenticate
 * with the certificate's own key, it writes the query (no signature) and the signed request itself,
 * reusing ssh2's packet writer and send function; every other key goes to ssh2's own code. It relies
 * on ssh2 internals (`_protocol`, `_kex.sessionID`, `_packetRW.write`, `_authsQueue`, `sendPacket`),
 * so it checks they exist and the ssh2 version is the one it was tested with
 * (test/e2e/extension/ssh-certificate-auth.test.ts and the agent front's inner hop log in through a
 * real sshd with it). Shared by the extension and the agent, both of which log in to sshd with ssh2.
 */
// The types of ssh2's internal module (ssh2 ships none); a reference, since root typechecks reach this file by import.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ssh2-internals.d.ts" />
import type { Client } from 'ssh2';
import ssh2Utils from 'ssh2/lib/protocol/utils.js';
import { SshWireWriter } from '../ssh/ssh-wire.js';

export const TESTED_SSH2_VERSION = '1.17.0';

const USERAUTH_REQUEST = 50;

export interface CertificateIdentity {
  /** e.g. `ssh-ed25519-cert-v01@openssh.com` */
  certificateType: string;
  certificateBlob: Buffer;
  /** The signing key's own algorithm, e.g. `ssh-ed25519`. */
  signatureAlgorithm: string;
  /** The key's public blob: how ssh2's parsed private key is recognised. */
  publicKeyBlob: Buffer;
  /** Signs with the certificate's private key; answers the raw signature (64 bytes for Ed25519). */
  sign(data: Buffer): Buffer;
}

interface ParsedKeyLike {
  getPublicSSH(): Buffer;
}

interface Ssh2Protocol {
  authPK(username: string, key: unknown, keyAlgo?: unknown, cbSign?: unknown): void;
  _kex: { sessionID: Buffer } | undefined;
  _packetRW: { write: { alloc(size: number): Buffer; allocStart: number; finalize(packet: Buffer): Buffer } };
  _authsQueue: string[];
}

/** Call from the authHandler (the Protocol exists by then), before answering with the publickey method. */
export function offerCertificate(client: Client, identity: CertificateIdentity): void {
  const protocol = (client as unknown as { _protocol?: Ssh2Protocol })._protocol;
  if (
    protocol === undefined ||
    typeof protocol.authPK !== 'function' ||
    protocol._packetRW?.write === undefined ||
    !Array.isArray(protocol._authsQueue) ||
    typeof ssh2Utils.sendPacket !== 'function'
  ) {
    throw new Error(
      `ssh2's internals changed: shared/src/ssh2/offer-certificate.ts was written for ssh2 ${TESTED_SSH2_VERSION}; update it and its test`,
    );
  }
  if ((protocol as { __latchkeyCertificate?: boolean }).__latchkeyCertificate === true) return;
  (protocol as { __latchkeyCertificate?: boolean }).__latchkeyCertificate = true;
  const original = protocol.authPK.bind(protocol);
  protocol.authPK = (username, key, keyAlgo, cbSign) => {
    const blob = (key as ParsedKeyLike | undefined)?.getPublicSSH?.();
    if (!Buffer.isBuffer(blob) || !blob.equals(identity.publicKeyBlob)) {
      original(username, key, keyAlgo, cbSign);
      return;
    }
    const signed = typeof cbSign === 'function' || typeof keyAlgo === 'function';
    const request = Buffer.concat([
      Buffer.from([USERAUTH_REQUEST]),
      sshString(username),
      sshString('ssh-connection'),
      sshString('publickey'),
      Buffer.from([signed ? 1 : 0]),
      sshString(identity.certificateType),
      sshString(identity.certificateBlob),
    ]);
    if (!signed) {
      send(protocol, request);
      return;
    }
    const sessionId = protocol._kex?.sessionID;
    if (sessionId === undefined)
      throw new Error('ssh2 has no session id yet: cannot sign the certificate login');
    const signature = identity.sign(Buffer.concat([sshString(sessionId), request]));
    send(
      protocol,
      Buffer.concat([
        request,
        sshString(Buffer.concat([sshString(identity.signatureAlgorithm), sshString(signature)])),
      ]),
    );
  };
}

function send(protocol: Ssh2Protocol, payload: Buffer): void {
  const writer = protocol._packetRW.write;
  const packet = writer.alloc(payload.length);
  payload.copy(packet, writer.allocStart);
  protocol._authsQueue.push('publickey');
  ssh2Utils.sendPacket(protocol, writer.finalize(packet));
}

function sshString(value: Uint8Array | string): Buffer {
  const writer = new SshWireWriter(typeof value === 'string' ? value.length * 3 + 4 : value.length + 4);
  if (typeof value === 'string') writer.text(value);
  else writer.string(value);
  return Buffer.from(writer.toBytes());
}
