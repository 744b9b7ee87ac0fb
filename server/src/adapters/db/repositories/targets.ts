import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import type { TargetInput, TargetIpInput, TargetRepository } from '../../../app/ports/store.js';
import type { TargetIp, TargetRecord } from '../../../domain/records.js';
import { isForeignKeyViolation, uniqueViolation, violates } from '../db-errors.js';
import { parseIp, type IpFamily, type StoredIp } from '../ip-key.js';
import type { DatabaseSchema, TargetsTable } from '../schema.js';
import { sql, type ExpressionBuilder } from 'kysely';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { countOf, pageBounds } from './paging.js';
import { precompiledQuery } from './precompiled-query.js';
import { targetCondition } from './target-filter.js';

/** One target by id (compiled once: every certificate request reads one). */
const targetById = precompiledQuery(2, (db, accountId, id) =>
  db.selectFrom('targets').selectAll().where('account_id', '=', accountId!).where('id', '=', id!),
);

/** Rows per multi-row INSERT (12 parameters each: well under both databases' limits). */
const INSERT_CHUNK = 500;
/** Values per IN list in the pre-checks. */
const IN_CHUNK = 900;

interface ResolvedIp extends StoredIp {
  virtualNetworkId: string;
}

interface ResolvedTarget {
  hostname: string;
  tags?: Record<string, string>;
  ipv4?: ResolvedIp;
  ipv6?: ResolvedIp;
}

function toRecord(ctx: RepositoryContext, row: TargetsTable): TargetRecord {
  const ip = (address: string | null, vnet: string | null): TargetIp | undefined =>
    address === null || vnet === null ? undefined : { address, virtualNetworkId: vnet };
  const record: TargetRecord = {
    id: row.id,
    accountId: row.account_id,
    hostname: row.hostname,
    tags: readTags(ctx, row.tags),
    createdAt: ctx.codec.readTime(row.created_at),
    modifiedAt: ctx.codec.readTime(row.modified_at),
  };
  const ipv4 = ip(row.ipv4, row.ipv4_vnet_id);
  const ipv6 = ip(row.ipv6, row.ipv6_vnet_id);
  if (ipv4 !== undefined) record.ipv4 = ipv4;
  if (ipv6 !== undefined) record.ipv6 = ipv6;
  return record;
}

/** The tags column as a record (a row from before migration 0014 cannot exist: it adds `{}`). */
function readTags(ctx: RepositoryContext, value: unknown): Record<string, string> {
  // A row read back is parsed by pg (jsonb) or text (SQLite); a row just built holds the JSON text.
  const parsed: unknown =
    value === null || value === undefined
      ? {}
      : typeof value === 'string'
        ? JSON.parse(value)
        : ctx.codec.readJson(value);
  const tags: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [key, tag] of Object.entries(parsed)) if (typeof tag === 'string') tags[key] = tag;
  }
  return tags;
}

function pairConflict(ip: ResolvedIp, cause?: unknown): LatchkeyError {
  return new LatchkeyError(
    'conflict',
    `a target with ip ${ip.text} in virtual network ${ip.virtualNetworkId} already exists`,
    cause === undefined ? {} : { cause },
  );
}

const pairKey = (family: IpFamily, ip: ResolvedIp) => `${family}|${ip.key}|${ip.virtualNetworkId}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Parses addresses and resolves networks (missing → the account's default; unknown → invalid_argument). */
async function resolveTargets(
  ctx: RepositoryContext,
  accountId: string,
  inputs: TargetInput[],
): Promise<ResolvedTarget[]> {
  let defaultId: string | undefined;
  const known = new Set<string>();
  const networkOf = async (given: string | undefined): Promise<string> => {
    if (given === undefined) {
      if (defaultId === undefined) {
        const row = await ctx.db
          .selectFrom('virtual_networks')
          .select('id')
          .where('account_id', '=', accountId)
          .where('is_default_network', '=', ctx.codec.bool(true))
          .executeTakeFirst();
        if (row === undefined) {
          throw new LatchkeyError(
            'not_found',
            `account ${accountId} does not exist (it has no default virtual network)`,
          );
        }
        defaultId = row.id;
      }
      return defaultId;
    }
    if (!known.has(given)) {
      const row = await ctx.db
        .selectFrom('virtual_networks')
        .select('id')
        .where('account_id', '=', accountId)
        .where('id', '=', given)
        .executeTakeFirst();
      if (row === undefined)
        throw new LatchkeyError('invalid_argument', `virtual network ${given} does not exist`);
      known.add(given);
    }
    return given;
  };
  const resolveIp = async (
    input: TargetIpInput | undefined,
    family: IpFamily,
  ): Promise<ResolvedIp | undefined> =>
    input === undefined
      ? undefined
      : { ...parseIp(input.address, family), virtualNetworkId: await networkOf(input.virtualNetworkId) };

  const resolved: ResolvedTarget[] = [];
  for (const input of inputs) {
    if (input.ipv4 === undefined && input.ipv6 === undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `target ${JSON.stringify(input.hostname)} needs an ipv4 or ipv6 address`,
      );
    }
    const target: ResolvedTarget = { hostname: input.hostname };
    if (input.tags !== undefined) target.tags = input.tags;
    const ipv4 = await resolveIp(input.ipv4, 'ipv4');
    const ipv6 = await resolveIp(input.ipv6, 'ipv6');
    if (ipv4 !== undefined) target.ipv4 = ipv4;
    if (ipv6 !== undefined) target.ipv6 = ipv6;
    resolved.push(target);
  }
  return resolved;
}

/**
 * Refuses pairs repeated inside the request and pairs other targets already hold (`exceptId`: the target
 * being replaced). The UNIQUE constraints stay the real guard against concurrent writers; this check only
 * gives the conflict its precise message.
 */
async function checkPairsFree(
  ctx: RepositoryContext,
  targets: ResolvedTarget[],
  exceptId?: string,
): Promise<void> {
  const seen = new Set<string>();
  for (const target of targets) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const ip = target[family];
      if (ip === undefined) continue;
      const key = pairKey(family, ip);
      if (seen.has(key)) throw pairConflict(ip);
      seen.add(key);
    }
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const wanted = new Map<string, ResolvedIp>();
    for (const target of targets) {
      const ip = target[family];
      if (ip !== undefined) wanted.set(pairKey(family, ip), ip);
    }
    const keyColumn = family === 'ipv4' ? 'ipv4_key' : 'ipv6_key';
    const vnetColumn = family === 'ipv4' ? 'ipv4_vnet_id' : 'ipv6_vnet_id';
    for (const keys of chunks([...new Set([...wanted.values()].map((ip) => ip.key))], IN_CHUNK)) {
      let query = ctx.db
        .selectFrom('targets')
        .select(['id', keyColumn, vnetColumn])
        .where(keyColumn, 'in', keys);
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      for (const row of await query.execute()) {
        const r = row as Record<string, string>;
        const taken = wanted.get(`${family}|${r[keyColumn]}|${r[vnetColumn]}`);
        if (taken !== undefined) throw pairConflict(taken);
      }
    }
  }
}

/** Maps a UNIQUE violation of the pair constraints (a concurrent writer won) to a conflict. */
function insertConflict(error: unknown, targets: ResolvedTarget[]): unknown {
  const violation = uniqueViolation(error);
  if (violation === undefined) {
    if (isForeignKeyViolation(error)) {
      return new LatchkeyError(
        'invalid_argument',
        'a virtual network of the target does not exist any more',
        {
          cause: error,
        },
      );
    }
    return error;
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (
      violates(violation, `targets_${family}_pair_unique`, 'targets', [`${family}_key`, `${family}_vnet_id`])
    ) {
      const withFamily = targets.filter((t) => t[family] !== undefined);
      if (withFamily.length === 1) return pairConflict(withFamily[0]![family]!, error);
      return new LatchkeyError(
        'conflict',
        `an ${family} address of the batch is already used in its virtual network`,
        {
          cause: error,
        },
      );
    }
  }
  return error;
}

/** Tags in key order, so the stored JSON (and every answer) is the same however the client ordered them. */
function sortedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function toRow(ctx: RepositoryContext, accountId: string, target: ResolvedTarget, id: string, at: Date) {
  const row: TargetsTable = {
    id,
    account_id: accountId,
    hostname: target.hostname,
    hostname_lower: target.hostname.toLowerCase(),
    ipv4: target.ipv4?.text ?? null,
    ipv4_key: target.ipv4?.key ?? null,
    ipv4_vnet_id: target.ipv4?.virtualNetworkId ?? null,
    ipv6: target.ipv6?.text ?? null,
    ipv6_key: target.ipv6?.key ?? null,
    ipv6_vnet_id: target.ipv6?.virtualNetworkId ?? null,
    created_at: ctx.codec.time(at),
    modified_at: ctx.codec.time(at),
    tags: ctx.codec.json(sortedTags(target.tags ?? {})),
  };
  return row;
}

export function targetRepository(ctx: RepositoryContext): TargetRepository {
  const { db, codec } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const [row] = await targetById(c, accountId, id);
    return row === undefined ? undefined : toRecord(c, row);
  };

  const deleteMany: TargetRepository['deleteMany'] = async (accountId, ids) => {
    if (ids.length === 0) return [];
    return withTransaction(ctx, async (tx) => {
      const deleted: TargetRecord[] = [];
      for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) {
        const rows = await tx.db
          .selectFrom('targets')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('id', 'in', chunk)
          .execute();
        if (rows.length === 0) continue;
        await tx.db
          .deleteFrom('targets')
          .where('account_id', '=', accountId)
          .where(
            'id',
            'in',
            rows.map((row) => row.id),
          )
          .execute();
        deleted.push(...rows.map((row) => toRecord(tx, row)));
      }
      return deleted;
    });
  };

  const createMany: TargetRepository['createMany'] = async (accountId, inputs) => {
    if (inputs.length === 0) return [];
    let resolved: ResolvedTarget[] = [];
    try {
      return await withTransaction(ctx, async (tx) => {
        resolved = await resolveTargets(tx, accountId, inputs);
        await checkPairsFree(tx, resolved);
        const at = now(tx);
        const rows = resolved.map((target) => toRow(tx, accountId, target, tx.newId(), at));
        for (const chunk of chunks(rows, INSERT_CHUNK))
          await tx.db.insertInto('targets').values(chunk).execute();
        return rows.map((row) => toRecord(tx, row));
      });
    } catch (error) {
      const mapped = insertConflict(error, resolved);
      // A concurrent writer won a pair of a batch: outside a caller's transaction, look again to name it.
      if (isLatchkeyError(mapped, 'conflict') && resolved.length > 1 && !ctx.db.isTransaction) {
        await checkPairsFree(ctx, resolved);
      }
      throw mapped;
    }
  };

  return {
    async create(accountId, input) {
      const [created] = await createMany(accountId, [input]);
      return created!;
    },

    createMany,

    get: (accountId, id) => get(ctx, accountId, id),

    async list(accountId, request = {}) {
      const { page, perPage, offset } = pageBounds(request, 1000);
      const where = (eb: ExpressionBuilder<DatabaseSchema, 'targets'>) =>
        targetCondition(eb, accountId, request, codec, ctx.kind);
      const direction = request.direction ?? 'asc';
      const orderColumn = (request.order ?? 'hostname') === 'hostname' ? 'hostname_lower' : 'created_at';
      // With LIMIT, SQLite's planner walks the ordering index (account_id, hostname_lower) over the whole
      // account rather than look a few rows up by address and sort them. When a selective filter is
      // there, `+column` (SQLite's way to say "not by index") makes it take the address index instead.
      const selective =
        request.ipV4 !== undefined ||
        request.ipV6 !== undefined ||
        (request.ips?.length ?? 0) > 0 ||
        (request.targetIds?.length ?? 0) > 0 ||
        request.ipv4Start !== undefined ||
        request.ipv4End !== undefined ||
        request.ipv6Start !== undefined ||
        request.ipv6End !== undefined;
      const orderBy =
        selective && ctx.kind === 'sqlite' ? sql`+${sql.ref(orderColumn)}` : sql.ref(orderColumn);
      const [rows, count] = await Promise.all([
        db
          .selectFrom('targets')
          .selectAll()
          .where(where)
          .orderBy(orderBy, direction)
          .orderBy('id', direction)
          .limit(perPage)
          .offset(offset)
          .execute(),
        db
          .selectFrom('targets')
          .select((eb) => eb.fn.countAll().as('count'))
          .where(where)
          .executeTakeFirst(),
      ]);
      return { items: rows.map((row) => toRecord(ctx, row)), page, perPage, totalCount: countOf(count) };
    },

    async replace(accountId, id, input) {
      let resolved: ResolvedTarget[] = [];
      try {
        return await withTransaction(ctx, async (tx) => {
          const current = await get(tx, accountId, id);
          if (current === undefined) return undefined;
          resolved = await resolveTargets(tx, accountId, [input]);
          await checkPairsFree(tx, resolved, id);
          // No tags given (an agent's re-registration): the target keeps its tags.
          const target = { ...resolved[0]!, tags: resolved[0]!.tags ?? current.tags };
          const row = toRow(tx, accountId, target, id, now(tx));
          const { id: _id, account_id: _account, created_at: _created, ...changes } = row;
          await tx.db
            .updateTable('targets')
            .set(changes)
            .where('account_id', '=', accountId)
            .where('id', '=', id)
            .execute();
          return { ...toRecord(tx, row), createdAt: current.createdAt };
        });
      } catch (error) {
        throw insertConflict(error, resolved);
      }
    },

    async delete(accountId, id) {
      const [deleted] = await deleteMany(accountId, [id]);
      return deleted;
    },

    deleteMany,
  };
}
