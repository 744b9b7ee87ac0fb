import assert from 'node:assert/strict';
import { rateLimitSubject } from '../../../server/src/domain/rate-limit-subject.js';

describe('rateLimitSubject: whom a per-address limit counts an address against', () => {
  it('counts an IPv4 address as itself', () => {
    assert.equal(rateLimitSubject('203.0.113.7'), '203.0.113.7');
    assert.notEqual(rateLimitSubject('203.0.113.7'), rateLimitSubject('203.0.113.8'));
  });

  it('counts every address of one IPv6 /64 as one, however it is written', () => {
    const one = rateLimitSubject('2001:db8:1:2::1');
    assert.equal(one, '2001:db8:1:2::/64');
    assert.equal(rateLimitSubject('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), one);
    assert.notEqual(rateLimitSubject('2001:db8:1:3::1'), one);
    assert.equal(rateLimitSubject('::1'), '0:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    assert.equal(rateLimitSubject('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('keeps what is not an address as given, and names a missing one', () => {
    assert.equal(rateLimitSubject('not-an-address'), 'not-an-address');
    assert.equal(rateLimitSubject(undefined), 'unknown');
  });
});
