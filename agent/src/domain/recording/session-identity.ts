/**
 * Who and what a recorded session is about, from what sshd tells the recorder.
 *
 * sshd passes: the UNIX user (the process's own), SSH_CONNECTION (`client_ip client_port server_ip
 * server_port`), SSH_ORIGINAL_COMMAND (what the client asked to run, when a force-command replaced it),
 * SSH_TTY (a PTY was allocated), and, with `ExposeAuthInfo yes`, SSH_USER_AUTH: a file listing the methods
 * that authenticated the user, `publickey <type> <base64>` for keys and certificates. The certificate's
 * key id is `<email> session=<uuid>` (server/src/app/sign-in/my-access.ts): the person and the Latchkey
 * session. Without ExposeAuthInfo (or without a certificate) the log still records, under a session id the
 * recorder draws, and the sshd log's "Accepted publickey … ID <key id>" line ties it to the person.
 */
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import { parseCertificate } from '@latchkey/shared/ssh/parse-certificate';
import { isSftpServerCommand } from './transfer-commands.js';

export interface CertificateIdentity {
  readonly keyId: string;
  readonly email: string | undefined;
  readonly sessionId: string | undefined;
}

/** `alice@example.com session=0f…` → email and session id; anything else keeps only the key id. */
export function parseLatchkeyKeyId(keyId: string): CertificateIdentity {
  const match = /^(\S+) session=([A-Za-z0-9-]{1,64})$/.exec(keyId);
  return match
    ? { keyId, email: match[1], sessionId: match[2] }
    : { keyId, email: undefined, sessionId: undefined };
}

/**
 * The certificate that authenticated the session, from the SSH_USER_AUTH file's text (the last publickey
 * line holding a certificate: with several methods the last one completed the login). Null when there is none.
 */
export function certificateIdentityFromUserAuth(text: string): CertificateIdentity | null {
  const lines = text.split('\n').filter((line) => /^publickey \S+-cert-v01@openssh\.com \S+/.test(line));
  const line = lines.at(-1);
  if (line === undefined) return null;
  try {
    const certificate = parseCertificate(line.slice('publickey '.length));
    return parseLatchkeyKeyId(certificate.keyId);
  } catch {
    return null;
  }
}

export interface SessionFacts {
  readonly user: string;
  readonly originalCommand: string | undefined;
  readonly sshConnection: string | undefined;
  readonly hasPty: boolean;
  readonly certificate: CertificateIdentity | null;
  readonly targetId: string;
  readonly targetHostname: string | undefined;
  /** Used when the certificate names no session. */
  readonly fallbackSessionId: string;
}

export function sessionIdentity(facts: SessionFacts): SessionIdentity {
  const [clientIp, clientPort, serverIp, serverPort] = (facts.sshConnection ?? '').split(' ');
  const command = facts.originalCommand;
  const programType: SessionIdentity['program_type'] =
    command === undefined || command === '' ? 'shell' : isSftpServerCommand(command) ? 'subsystem' : 'exec';
  return {
    session_id: facts.certificate?.sessionId ?? facts.fallbackSessionId,
    target_id: facts.targetId,
    ...(facts.targetHostname === undefined ? {} : { target_hostname: facts.targetHostname }),
    user_email: facts.certificate?.email ?? facts.certificate?.keyId ?? '',
    principal: facts.user,
    program_type: programType,
    ...(command === undefined || command === ''
      ? {}
      : { command: programType === 'subsystem' ? 'sftp' : command }),
    ...(clientIp && clientPort ? { client_address: joinAddress(clientIp, clientPort) } : {}),
    ...(serverIp && serverPort ? { server_address: joinAddress(serverIp, serverPort) } : {}),
  };
}

function joinAddress(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
