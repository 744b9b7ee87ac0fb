import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  certificateIdentityFromUserAuth,
  parseLatchkeyKeyId,
  sessionIdentity,
  type SessionFacts,
} from '../../../agent/src/domain/recording/session-identity.js';
import { createTempDir, generateKeyWithSshKeygen, signWithSshKeygen } from '../../harness/index.js';

describe('session identity', () => {
  it('reads the person and the session from a Latchkey key id, and keeps any other key id whole', () => {
    assert.deepEqual(parseLatchkeyKeyId('alice@example.com session=0f8e-11'), {
      keyId: 'alice@example.com session=0f8e-11',
      email: 'alice@example.com',
      sessionId: '0f8e-11',
    });
    assert.deepEqual(parseLatchkeyKeyId('ops-key'), {
      keyId: 'ops-key',
      email: undefined,
      sessionId: undefined,
    });
  });

  it('finds the certificate in an SSH_USER_AUTH file (ExposeAuthInfo), made by ssh-keygen', async () => {
    const dir = await createTempDir('user-auth');
    try {
      const ca = await generateKeyWithSshKeygen(dir.file('ca'));
      const user = await generateKeyWithSshKeygen(dir.file('user'));
      const { certificate } = await signWithSshKeygen({
        caPrivateKeyPath: ca.privateKeyPath,
        publicKeyPath: user.publicKeyPath,
        keyId: 'bob@example.com session=1234abcd',
        principals: ['bob'],
      });
      const [type, blob] = certificate.split(' ');
      const plainKey = (await readFile(user.publicKeyPath, 'utf8')).split(' ').slice(0, 2).join(' ');
      const text = `publickey ${plainKey}\npublickey ${type} ${blob}\n`;
      assert.deepEqual(certificateIdentityFromUserAuth(text), {
        keyId: 'bob@example.com session=1234abcd',
        email: 'bob@example.com',
        sessionId: '1234abcd',
      });
      assert.equal(certificateIdentityFromUserAuth(`publickey ${plainKey}\n`), null);
      assert.equal(
        certificateIdentityFromUserAuth('publickey ssh-ed25519-cert-v01@openssh.com AAAAbroken\n'),
        null,
      );
    } finally {
      await dir.remove();
    }
  });

  const facts: SessionFacts = {
    user: 'alice',
    originalCommand: undefined,
    sshConnection: '10.0.0.5 51234 10.0.0.9 22',
    hasPty: true,
    certificate: { keyId: 'alice@example.com session=s-1', email: 'alice@example.com', sessionId: 's-1' },
    targetId: 't-1',
    targetHostname: 'web-1',
    fallbackSessionId: 'fallback',
  };

  it('describes a shell session', () => {
    assert.deepEqual(sessionIdentity(facts), {
      session_id: 's-1',
      target_id: 't-1',
      target_hostname: 'web-1',
      user_email: 'alice@example.com',
      principal: 'alice',
      program_type: 'shell',
      client_address: '10.0.0.5:51234',
      server_address: '10.0.0.9:22',
    });
  });

  it('describes exec and sftp sessions, IPv6 addresses, and a session without a certificate', () => {
    const exec = sessionIdentity({ ...facts, originalCommand: 'uptime', sshConnection: '::1 5000 ::1 22' });
    assert.equal(exec.program_type, 'exec');
    assert.equal(exec.command, 'uptime');
    assert.equal(exec.client_address, '[::1]:5000');
    const sftp = sessionIdentity({ ...facts, originalCommand: 'internal-sftp' });
    assert.deepEqual([sftp.program_type, sftp.command], ['subsystem', 'sftp']);
    const bare = sessionIdentity({
      ...facts,
      certificate: null,
      sshConnection: undefined,
      targetHostname: undefined,
    });
    assert.deepEqual(bare, {
      session_id: 'fallback',
      target_id: 't-1',
      user_email: '',
      principal: 'alice',
      program_type: 'shell',
    });
  });
});
