/**
 * The two request headers of a session-log upload (shared/src/api/ssh-logs.ts), read strictly: every
 * problem is an invalid_argument error that names the header and says what it should hold.
 *
 * - `Content-Digest` (RFC 9530): a dictionary such as `sha-256=:<base64>:`; Latchkey needs the sha-256
 *   member (others, e.g. sha-512, are ignored).
 * - `Latchkey-Log-Metadata`: base64url (padding optional) of the JSON of SshLogUploadMetadata.
 */
import { LatchkeyError, SshLogUploadMetadataSchema, findSchemaProblem } from '@latchkey/shared';
import type { SshLogUploadMetadata } from '@latchkey/shared';

const DIGEST_HEADER = 'Content-Digest';
const METADATA_HEADER = 'Latchkey-Log-Metadata';

/** The SHA-256 the client claims for the body, as 32 bytes. */
export function parseContentDigest(value: string | undefined): Uint8Array {
  const expected = `${DIGEST_HEADER}: sha-256=:<standard base64 of the body's SHA-256>:`;
  if (value === undefined || value.trim() === '') {
    throw new LatchkeyError('invalid_argument', `the ${DIGEST_HEADER} header is required (${expected})`);
  }
  for (const member of value.split(',')) {
    const match = /^\s*([A-Za-z0-9*._-]+)\s*=\s*(.*?)\s*$/.exec(member);
    if (match === null || match[1]!.toLowerCase() !== 'sha-256') continue;
    const item = /^:([A-Za-z0-9+/]*={0,2}):$/.exec(match[2]!);
    const bytes = item === null ? undefined : Buffer.from(item[1]!, 'base64');
    if (bytes === undefined || bytes.length !== 32) {
      throw new LatchkeyError(
        'invalid_argument',
        `the ${DIGEST_HEADER} header's sha-256 value ${JSON.stringify(match[2])} is not 32 bytes of base64 between colons (${expected})`,
      );
    }
    return new Uint8Array(bytes);
  }
  throw new LatchkeyError(
    'invalid_argument',
    `the ${DIGEST_HEADER} header ${JSON.stringify(value)} has no sha-256 member (${expected})`,
  );
}

/** The index fields of the upload, decoded and checked against SshLogUploadMetadataSchema. */
export function parseLogMetadataHeader(value: string | undefined): SshLogUploadMetadata {
  if (value === undefined || value.trim() === '') {
    throw new LatchkeyError(
      'invalid_argument',
      `the ${METADATA_HEADER} header is required (base64url of the JSON of the log's index fields)`,
    );
  }
  const text = value.trim();
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) {
    throw new LatchkeyError('invalid_argument', `the ${METADATA_HEADER} header is not base64url`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new LatchkeyError(
      'invalid_argument',
      `the ${METADATA_HEADER} header does not decode to JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const problem = findSchemaProblem(SshLogUploadMetadataSchema, parsed);
  if (problem !== undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `the ${METADATA_HEADER} header: ${problem.pointer === '' ? 'the JSON' : problem.pointer}: ${problem.message}`,
    );
  }
  const metadata = parsed as SshLogUploadMetadata;
  for (const [field, time] of [
    ['session_start_datetime', metadata.session_start_datetime],
    ['session_finish_datetime', metadata.session_finish_datetime],
  ] as const) {
    if (time !== undefined && Number.isNaN(Date.parse(time))) {
      throw new LatchkeyError(
        'invalid_argument',
        `the ${METADATA_HEADER} header: /${field}: ${JSON.stringify(time)} is not an RFC 3339 time`,
      );
    }
  }
  return metadata;
}
