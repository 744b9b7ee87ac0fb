/**
 * The session the decryption benchmarks seal: a fresh auditor key pair and a SessionLogWriter for a PTY
 * shell session (xterm-256color, 120x40) named `bench`, sealed to that key, started now.
 */
import { SessionLogWriter, generateHpkeKeyPair, type HpkeKeyPair } from '@latchkey/shared';

export function benchSessionWriter(): { keys: HpkeKeyPair; writer: SessionLogWriter } {
  const keys = generateHpkeKeyPair();
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: {
      session_id: 'bench',
      target_id: 'bench',
      user_email: 'bench@example.com',
      principal: 'bench',
      program_type: 'shell',
    },
    pty: { term: 'xterm-256color', width: 120, height: 40, modes: [] },
    startedAt: new Date(),
  });
  return { keys, writer };
}
