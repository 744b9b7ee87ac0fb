/**
 * Access tokens as EdDSA (Ed25519) JWTs with jose. The installation has one signing key, made on first
 * use, stored in the database with its private half sealed by the CA key protector, so every server
 * process on a shared PostgreSQL signs and verifies with the same key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LatchkeyError } from '@latchkey/shared';
import type { AccessTokenClaims, AccessTokenCodec } from '../../app/ports/access-token-codec.js';
import type { CaKeyProtector } from '../../app/ca-key-protector.js';
import type { Clock } from '../../app/environment.js';
import type { TokenSigningKeyRepository } from '../../app/ports/store.js';

export const ACCESS_TOKEN_AUDIENCE = 'latchkey';
/**
 * Tokens whose signature and claims were checked, until they expire: a client sends the same token for
 * minutes, and WebCrypto's EdDSA verify (what jose uses) costs more than the rest of a request's CPU.
 * Only expiry can change for a given token string, and it is checked on every hit. Bounded: when full,
 * the oldest entries go first.
 */
const VERIFIED_CACHE_LIMIT = 10_000;
const SEAL_CONTEXT = 'latchkey access-token signing key';

export async function loadAccessTokenCodec(options: {
  keys: TokenSigningKeyRepository;
  protector: CaKeyProtector;
  /** Read at each call: the public URL may be known only once the server listens (port 0). */
  issuer: () => string;
  clock: Clock;
}): Promise<AccessTokenCodec> {
  const { privateKey, publicKey, keyId } = await loadOrCreateKey(options.keys, options.protector);
  const { issuer, clock } = options;
  const verified = new Map<string, AccessTokenClaims & { issuer: string }>();
  return {
    async issue(claims) {
      return new SignJWT({ sid: claims.sessionId, acc: claims.accountId })
        .setProtectedHeader({ alg: 'EdDSA', kid: keyId, typ: 'at+jwt' })
        .setIssuer(issuer())
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(claims.subject)
        .setIssuedAt(Math.floor(clock().getTime() / 1000))
        .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
        .sign(privateKey);
    },

    async verify(token) {
      const hit = verified.get(token);
      if (hit !== undefined && hit.issuer === issuer()) {
        if (hit.expiresAt.getTime() > clock().getTime()) {
          return {
            subject: hit.subject,
            sessionId: hit.sessionId,
            accountId: hit.accountId,
            expiresAt: hit.expiresAt,
          };
        }
        verified.delete(token);
        throw new LatchkeyError(
          'unauthenticated',
          'the access token has expired: refresh it or sign in again',
        );
      }
      const claims = await verifyUncached(token);
      if (verified.size >= VERIFIED_CACHE_LIMIT) {
        for (const key of verified.keys()) {
          verified.delete(key);
          if (verified.size < VERIFIED_CACHE_LIMIT * 0.9) break;
        }
      }
      verified.set(token, { ...claims, issuer: issuer() });
      return claims;
    },
  };

  async function verifyUncached(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: issuer(),
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        currentDate: clock(),
        requiredClaims: ['sub', 'exp', 'sid', 'acc'],
      });
      if (typeof payload.sid !== 'string' || typeof payload.acc !== 'string' || payload.sub === undefined) {
        throw new LatchkeyError('unauthenticated', 'the access token lacks its session');
      }
      return {
        subject: payload.sub,
        sessionId: payload.sid,
        accountId: payload.acc,
        expiresAt: new Date((payload.exp as number) * 1000),
      };
    } catch (error) {
      if (error instanceof LatchkeyError) throw error;
      throw new LatchkeyError('unauthenticated', describeJoseError(error), { cause: error });
    }
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired)
    return 'the access token has expired: refresh it or sign in again';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the access token signature does not verify (was it issued by another server?)';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `the access token is not for this server (${error.claim}: ${error.reason})`;
  return 'malformed access token';
}

async function loadOrCreateKey(
  keys: TokenSigningKeyRepository,
  protector: CaKeyProtector,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject; keyId: string }> {
  let record = await keys.get();
  if (record === undefined) {
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    record = await keys.createIfAbsent({
      encryptedPrivateKey: await protector.seal(new TextEncoder().encode(pem), SEAL_CONTEXT),
      publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
    });
  }
  const pem = new TextDecoder().decode(await protector.open(record.encryptedPrivateKey, SEAL_CONTEXT));
  return {
    privateKey: createPrivateKey(pem),
    publicKey: createPublicKey(record.publicKey),
    keyId: record.id,
  };
}
