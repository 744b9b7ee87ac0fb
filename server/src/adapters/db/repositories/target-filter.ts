/**
 * Turns a TargetFilter (Cloudflare's list filters) into one SQL condition, the same for the page query
 * and the count query. Addresses are parsed and compared by their normalised text or sortable key, so
 * `10.0.0.1` and `::1` match however the client spelled them. Invalid addresses in a filter are an
 * invalid_argument naming the query parameter.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { TargetFilter } from '../../../app/ports/store.js';
import type { ColumnCodec, DatabaseKind } from '../column-codec.js';
import { parseIp, tryParseIp } from '../ip-key.js';
import type { DatabaseSchema } from '../schema.js';
import { LatchkeyError } from '@latchkey/shared';

type Eb = ExpressionBuilder<DatabaseSchema, 'targets'>;

/** Escapes LIKE's own wildcards (and the escape character) in user text. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function like(column: 'hostname_lower' | 'ipv4' | 'ipv6', pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

export function targetCondition(
  eb: Eb,
  accountId: string,
  filter: TargetFilter,
  codec: ColumnCodec,
  kind: DatabaseKind,
): Expression<SqlBool> {
  // SQLite's planner (without statistics, as on a young database) prefers any index that starts with
  // account_id, even to find a handful of rows by id or by a list of addresses. For those filters,
  // `+account_id` (SQLite's "not by index") lets it use the primary key or the address indexes instead.
  const byKeyList = (filter.ips?.length ?? 0) > 0 || (filter.targetIds?.length ?? 0) > 0;
  const all: Expression<SqlBool>[] = [
    kind === 'sqlite' && byKeyList
      ? sql<SqlBool>`+${sql.ref('account_id')} = ${accountId}`
      : eb('account_id', '=', accountId),
  ];

  if (filter.hostname !== undefined) all.push(eb('hostname_lower', '=', filter.hostname.toLowerCase()));
  if (filter.hostnameContains !== undefined && filter.hostnameContains !== '') {
    all.push(like('hostname_lower', `%${escapeLike(filter.hostnameContains.toLowerCase())}%`));
  }
  for (const tag of filter.tags ?? []) {
    all.push(
      kind === 'postgres'
        ? sql<SqlBool>`${sql.ref('tags')} ->> cast(${tag.key} as text) = cast(${tag.value} as text)`
        : sql<SqlBool>`exists (select 1 from json_each(${sql.ref('targets.tags')}) as t where t.key = ${tag.key} and t.value = ${tag.value})`,
    );
  }
  if (filter.virtualNetworkId !== undefined) {
    const id = filter.virtualNetworkId;
    all.push(eb.or([eb('ipv4_vnet_id', '=', id), eb('ipv6_vnet_id', '=', id)]));
  }
  if (filter.ipV4 !== undefined) all.push(eb('ipv4_key', '=', parseIp(filter.ipV4, 'ipv4', 'ip_v4').key));
  if (filter.ipV6 !== undefined) all.push(eb('ipv6_key', '=', parseIp(filter.ipV6, 'ipv6', 'ip_v6').key));
  if (filter.ips !== undefined && filter.ips.length > 0) {
    const v4: string[] = [];
    const v6: string[] = [];
    for (const address of filter.ips) {
      const ip = tryParseIp(address);
      if (ip === undefined) {
        throw new LatchkeyError(
          'invalid_argument',
          `ips ${JSON.stringify(address)} is not a valid IP address`,
        );
      }
      (ip.family === 'ipv4' ? v4 : v6).push(ip.key);
    }
    const anyOf: Expression<SqlBool>[] = [];
    if (v4.length > 0) anyOf.push(eb('ipv4_key', 'in', v4));
    if (v6.length > 0) anyOf.push(eb('ipv6_key', 'in', v6));
    all.push(eb.or(anyOf));
  }
  if (filter.targetIds !== undefined && filter.targetIds.length > 0)
    all.push(eb('id', 'in', filter.targetIds));
  if (filter.ipLike !== undefined && filter.ipLike !== '') {
    const pattern = escapeLike(filter.ipLike.trim().toLowerCase()).replace(/\*/g, '%');
    all.push(eb.or([like('ipv4', pattern), like('ipv6', pattern)]));
  }
  if (filter.ipv4Start !== undefined) {
    all.push(eb('ipv4_key', '>=', parseIp(filter.ipv4Start, 'ipv4', 'ipv4_start').key));
  }
  if (filter.ipv4End !== undefined)
    all.push(eb('ipv4_key', '<=', parseIp(filter.ipv4End, 'ipv4', 'ipv4_end').key));
  if (filter.ipv6Start !== undefined) {
    all.push(eb('ipv6_key', '>=', parseIp(filter.ipv6Start, 'ipv6', 'ipv6_start').key));
  }
  if (filter.ipv6End !== undefined)
    all.push(eb('ipv6_key', '<=', parseIp(filter.ipv6End, 'ipv6', 'ipv6_end').key));
  if (filter.createdBefore !== undefined) all.push(eb('created_at', '<', codec.time(filter.createdBefore)));
  if (filter.createdAfter !== undefined) all.push(eb('created_at', '>', codec.time(filter.createdAfter)));
  if (filter.modifiedBefore !== undefined)
    all.push(eb('modified_at', '<', codec.time(filter.modifiedBefore)));
  if (filter.modifiedAfter !== undefined) all.push(eb('modified_at', '>', codec.time(filter.modifiedAfter)));

  return eb.and(all);
}
