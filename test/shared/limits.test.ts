import assert from 'node:assert/strict';
import {
  AgentReplaceSchema,
  DEFAULT_JOIN_TOKEN_MAX_USES,
  DEFAULT_JOIN_TOKEN_TTL_SECONDS,
  JoinTokenCreateSchema,
  MAX_VALID_FOR_SECONDS,
} from '@latchkey/shared';
import { LIMITS } from '../../shared/src/limits.js';
import { parseJoinTokenLifetime, parseJoinTokenUses } from '../../cli/src/domain/admin/admin-arguments.js';

describe('shared/limits: one table of limits and defaults', () => {
  it('the join-token API schema reads its bounds and defaults from the table', () => {
    type Bounds = { minimum?: number; maximum?: number };
    const expires_in_seconds = JoinTokenCreateSchema.properties.expires_in_seconds as Bounds;
    const max_uses = JoinTokenCreateSchema.properties.max_uses as Bounds;
    assert.equal(expires_in_seconds.minimum, LIMITS.joinToken.minLifetimeSeconds);
    assert.equal(expires_in_seconds.maximum, LIMITS.joinToken.maxLifetimeSeconds);
    assert.equal(max_uses.minimum, LIMITS.joinToken.minUses);
    assert.equal(max_uses.maximum, LIMITS.joinToken.maxUses);
    assert.equal(
      (AgentReplaceSchema.properties.expires_in_seconds as Bounds).maximum,
      LIMITS.joinToken.maxReplacementLifetimeSeconds,
    );
    assert.equal(DEFAULT_JOIN_TOKEN_TTL_SECONDS, 86_400);
    assert.equal(DEFAULT_JOIN_TOKEN_MAX_USES, 1);
  });

  it('the CLI refuses just outside the same bounds and takes them at the edge', () => {
    assert.equal(parseJoinTokenUses(String(LIMITS.joinToken.maxUses)), LIMITS.joinToken.maxUses);
    assert.throws(() => parseJoinTokenUses(String(LIMITS.joinToken.maxUses + 1)), /from 1 to 100000/);
    assert.throws(() => parseJoinTokenUses('0'), /from 1 to 100000/);
    assert.equal(parseJoinTokenLifetime('366d'), LIMITS.joinToken.maxLifetimeSeconds);
    assert.throws(() => parseJoinTokenLifetime('367d'), /366 days/);
    assert.equal(parseJoinTokenLifetime('1m'), LIMITS.joinToken.minLifetimeSeconds);
  });

  it('the certificate caps are the issuer’s', () => {
    assert.equal(MAX_VALID_FOR_SECONDS, LIMITS.certificate.maxValidForSeconds);
    assert.equal(LIMITS.certificate.maxValidForSeconds, 10 * 366 * 86_400);
  });
});
