import assert from 'node:assert/strict';
import { generateSshKeyPair, issueCertificate, TARGET_BINDING_OPTION } from '@latchkey/shared';
import {
  INNER_SOURCE_ADDRESS,
  INNER_VALID_SECONDS,
  innerCertificateRequest,
  permits,
} from '../../../../agent/src/domain/front/inner-certificate.js';

describe('agent/domain/front: innerCertificateRequest', () => {
  const ca = generateSshKeyPair('ed25519');
  const outer = issueCertificate(ca, {
    subjectKey: generateSshKeyPair('ed25519').publicKey,
    keyId: 'ada@example.com session=s-1',
    principals: ['deploy'],
    criticalOptions: { [TARGET_BINDING_OPTION]: 't' },
    extensions: { 'permit-pty': '', 'permit-port-forwarding': '', 'something-else@x': '' },
  });
  const inner = innerCertificateRequest({
    outer,
    username: 'deploy',
    person: 'ada@example.com',
    sessionId: 's-1',
    subjectKey: generateSshKeyPair('ed25519').publicKey,
  });

  it('is for loopback only, about a minute, for the one UNIX user', () => {
    assert.deepEqual(inner.criticalOptions, { 'source-address': INNER_SOURCE_ADDRESS });
    assert.equal(inner.validForSeconds, INNER_VALID_SECONDS);
    assert.ok(INNER_VALID_SECONDS <= 120);
    assert.deepEqual(inner.principals, ['deploy']);
  });

  it("names the person and the session in the key id, so sshd's auth log names them", () => {
    assert.equal(inner.keyId, 'ada@example.com session=s-1 via=latchkey-front');
  });

  it("grants sshd only the permissions the person's certificate had, and only those sshd knows", () => {
    assert.deepEqual(inner.extensions, { 'permit-port-forwarding': '', 'permit-pty': '' });
    assert.equal(permits(outer, 'pty'), true);
    assert.equal(permits(outer, 'agent-forwarding'), false);
  });
});
