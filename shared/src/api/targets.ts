/**
 * Cloudflare's infrastructure targets (`/accounts/{account_id}/infrastructure/targets`): the request and
 * response schemas, and the rules a schema cannot say (hostname characters, IP literals by family).
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { PageQueryFields, Timestamp, Uuid } from './common.js';
import { HOSTNAME_MAX_LENGTH, HOSTNAME_RULE, hostnameProblem } from './hostname.js';
import { isIpv4Literal, isIpv6Literal, normaliseIp } from './ip-address.js';
import { checkAgainstSchema } from './schema-check.js';

const IpEntryInput = Type.Object(
  {
    ip_addr: Type.String({ minLength: 1, description: 'The IP address (IPv4 dotted decimal or IPv6).' }),
    virtual_network_id: Type.Optional(
      Type.String({ format: 'uuid', description: "Absent: the account's default virtual network." }),
    ),
  },
  { additionalProperties: false },
);

/** Cloudflare's target tags: user-defined keys and values. A key has no `:` (the `tag=key:value` filter splits there). */
export const TargetTagsSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^:]+$' }),
  Type.String({ minLength: 1, maxLength: 256 }),
  {
    maxProperties: 50,
    description:
      'Tags (key → value): up to 50, keys 1–128 characters without ":", values 1–256 characters. Filter with tag=key:value; app target_criteria select by them.',
  },
);

export const TargetInputSchema = Type.Object(
  {
    hostname: Type.String({
      minLength: 1,
      maxLength: HOSTNAME_MAX_LENGTH,
      description: `Case-insensitive; ${HOSTNAME_RULE}. Not unique.`,
    }),
    ip: Type.Object(
      { ipv4: Type.Optional(IpEntryInput), ipv6: Type.Optional(IpEntryInput) },
      { additionalProperties: false, description: 'At least one of ipv4 / ipv6.' },
    ),
    tags: Type.Optional(TargetTagsSchema),
  },
  { additionalProperties: false },
);
export type TargetInputBody = Static<typeof TargetInputSchema>;

export const TargetBatchInputSchema = Type.Array(TargetInputSchema, { minItems: 1, maxItems: 1000 });

export const TargetIdsBodySchema = Type.Object(
  { target_ids: Type.Array(Uuid, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

const IpEntry = Type.Object({ ip_addr: Type.String(), virtual_network_id: Uuid });

export const TargetSchema = Type.Object({
  id: Uuid,
  hostname: Type.String(),
  ip: Type.Object({ ipv4: Type.Optional(IpEntry), ipv6: Type.Optional(IpEntry) }),
  tags: Type.Optional(
    Type.Record(Type.String(), Type.String(), { description: "The target's tags; {} when none." }),
  ),
  created_at: Timestamp,
  modified_at: Timestamp,
});
export type Target = Static<typeof TargetSchema>;

export const TargetListQuerySchema = Type.Object(
  {
    hostname: Type.Optional(Type.String({ description: 'Exact hostname (case-insensitive).' })),
    hostname_contains: Type.Optional(Type.String({ description: 'Substring of the hostname.' })),
    virtual_network_id: Type.Optional(Uuid),
    ip_v4: Type.Optional(Type.String({ description: 'Exact IPv4 address.' })),
    ip_v6: Type.Optional(Type.String({ description: 'Exact IPv6 address.' })),
    ips: Type.Optional(
      Type.Array(Type.String(), { description: 'Any of these addresses; repeat: ips=a&ips=b.' }),
    ),
    target_ids: Type.Optional(Type.Array(Uuid, { description: 'Any of these ids; repeat the parameter.' })),
    ip_like: Type.Optional(Type.String({ description: 'Address pattern, `*` matches any characters.' })),
    ipv4_start: Type.Optional(Type.String({ description: 'Inclusive lower bound of an IPv4 range.' })),
    ipv4_end: Type.Optional(Type.String({ description: 'Inclusive upper bound of an IPv4 range.' })),
    ipv6_start: Type.Optional(Type.String({ description: 'Inclusive lower bound of an IPv6 range.' })),
    ipv6_end: Type.Optional(Type.String({ description: 'Inclusive upper bound of an IPv6 range.' })),
    created_before: Type.Optional(Timestamp),
    created_after: Type.Optional(Timestamp),
    modified_before: Type.Optional(Timestamp),
    modified_after: Type.Optional(Timestamp),
    tag: Type.Optional(
      Type.Array(Type.String({ pattern: '^[^:]+:.+$' }), {
        description: 'key:value; targets carrying every one of these tags (repeat: tag=a:1&tag=b:2).',
      }),
    ),
    ...PageQueryFields,
    order: Type.Optional(Type.Enum(['hostname', 'created_at'])),
    direction: Type.Optional(Type.Enum(['asc', 'desc'])),
  },
  { additionalProperties: false },
);
export type TargetListQuery = Static<typeof TargetListQuerySchema>;

/** A validated target, addresses normalised. */
export interface ValidTargetInput {
  hostname: string;
  ipv4?: { address: string; virtualNetworkId?: string };
  ipv6?: { address: string; virtualNetworkId?: string };
  /** Absent: none on create, and none after a replace (a full replace, as Cloudflare's PUT). */
  tags?: Record<string, string>;
}

/**
 * The rules of a target body beyond its schema: a valid hostname, at least one address, each address a
 * literal of its family. Pointers are relative to the body (prefixed by `basePointer` for batches).
 */
export function validateTargetInput(body: TargetInputBody, basePointer = ''): ValidTargetInput {
  const problem = hostnameProblem(body.hostname);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `${basePointer}/hostname ${problem}`, {
      pointer: `${basePointer}/hostname`,
    });
  }
  if (body.ip.ipv4 === undefined && body.ip.ipv6 === undefined) {
    throw new LatchkeyError('invalid_argument', `${basePointer}/ip needs at least one of ipv4 and ipv6`, {
      pointer: `${basePointer}/ip`,
    });
  }
  const result: ValidTargetInput = { hostname: body.hostname };
  if (body.tags !== undefined) {
    for (const key of Object.keys(body.tags)) {
      if (key.includes(':')) {
        const pointer = `${basePointer}/tags/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        throw new LatchkeyError(
          'invalid_argument',
          `${pointer}: a tag key cannot contain ":" (the tag=key:value filter splits there)`,
          { pointer },
        );
      }
    }
    result.tags = { ...body.tags };
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const entry = body.ip[family];
    if (entry === undefined) continue;
    const pointer = `${basePointer}/ip/${family}/ip_addr`;
    const ok = family === 'ipv4' ? isIpv4Literal(entry.ip_addr) : isIpv6Literal(entry.ip_addr);
    if (!ok) {
      throw new LatchkeyError(
        'invalid_argument',
        `${pointer}: ${JSON.stringify(entry.ip_addr)} is not a valid ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
        { pointer },
      );
    }
    const address = normaliseIp(entry.ip_addr)?.address ?? entry.ip_addr;
    result[family] =
      entry.virtual_network_id === undefined
        ? { address }
        : { address, virtualNetworkId: entry.virtual_network_id.toLowerCase() };
  }
  return result;
}

/** Schema and rules together, for clients (CLI, agent) checking a body before sending it. */
export function parseTargetInput(value: unknown): ValidTargetInput {
  return validateTargetInput(checkAgainstSchema(TargetInputSchema, value));
}

/** Checks the address-valued filters of a list query (the schema only says they are strings). */
export function validateTargetListQuery(query: TargetListQuery): void {
  const check = (name: keyof TargetListQuery, value: string | undefined, family: 4 | 6 | undefined) => {
    if (value === undefined) return;
    const parsed = normaliseIp(value);
    if (parsed === undefined || (family !== undefined && parsed.family !== family)) {
      const what = family === undefined ? 'an IP' : `an IPv${family}`;
      throw new LatchkeyError(
        'invalid_argument',
        `query parameter "${name}": ${JSON.stringify(value)} is not ${what} address`,
        {
          pointer: `/${name}`,
        },
      );
    }
  };
  check('ip_v4', query.ip_v4, 4);
  check('ip_v6', query.ip_v6, 6);
  check('ipv4_start', query.ipv4_start, 4);
  check('ipv4_end', query.ipv4_end, 4);
  check('ipv6_start', query.ipv6_start, 6);
  check('ipv6_end', query.ipv6_end, 6);
  (query.ips ?? []).forEach((ip, index) => {
    if (normaliseIp(ip) === undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `query parameter "ips": ${JSON.stringify(ip)} is not an IP address`,
        {
          pointer: `/ips/${index}`,
        },
      );
    }
  });
}

/** The `tag` filters of a list query as key and value (split at the first `:`). */
export function targetTagFilters(query: TargetListQuery): { key: string; value: string }[] {
  return (query.tag ?? []).map((tag) => {
    const at = tag.indexOf(':');
    return { key: tag.slice(0, at), value: tag.slice(at + 1) };
  });
}
