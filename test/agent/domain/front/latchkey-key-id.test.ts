import assert from 'node:assert/strict';
import { parseLatchkeyKeyId } from '../../../../agent/src/domain/front/latchkey-key-id.js';

describe('agent/domain/front: the Latchkey key id', () => {
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
});
