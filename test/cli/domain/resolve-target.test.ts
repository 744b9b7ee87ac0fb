import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { resolveTarget } from '../../../cli/src/domain/resolve-target.js';
import { meTarget } from './fixtures.js';

describe('resolveTarget', () => {
  const web = meTarget('Web-1', { id: '11111111-1111-4111-8111-111111111111' });
  const db = meTarget('db-1', { id: '22222222-2222-4222-8222-222222222222' });

  it('finds a target by hostname, case-insensitively', () => {
    assert.equal(resolveTarget([db, web], 'WEB-1'), web);
    assert.equal(resolveTarget([db, web], 'db-1'), db);
  });

  it('finds a target by id', () => {
    assert.equal(resolveTarget([db, web], '22222222-2222-4222-8222-222222222222'), db);
  });

  it('says how to list the targets when none matches', () => {
    assert.throws(
      () => resolveTarget([db, web], 'mail'),
      (e) =>
        isLatchkeyError(e, 'not_found') && /"mail"/.test(e.message) && /latchkey targets/.test(e.message),
    );
  });

  it('asks for the id when one hostname is in several virtual networks', () => {
    const other = meTarget('web-1', {
      id: '33333333-3333-4333-8333-333333333333',
      virtual_network: { id: 'vn-2', name: 'lab' },
    });
    assert.throws(
      () => resolveTarget([web, other], 'web-1'),
      (e) =>
        isLatchkeyError(e, 'invalid_argument') &&
        e.message.includes('33333333-3333-4333-8333-333333333333') &&
        e.message.includes('lab') &&
        /target id/.test(e.message),
    );
  });
});
