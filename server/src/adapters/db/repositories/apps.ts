import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '@latchkey/shared';
import type { InfrastructureAppInput, InfrastructureAppRepository } from '../../../app/ports/store.js';
import type {
  AppPolicyLink,
  InfrastructureAppRecord,
  JsonObject,
  JsonValue,
} from '../../../domain/records.js';
import { isForeignKeyViolation } from '../db-errors.js';
import type { AppsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

async function linksOf(
  ctx: RepositoryContext,
  accountId: string,
  appIds: string[],
): Promise<Map<string, AppPolicyLink[]>> {
  const links = new Map<string, AppPolicyLink[]>(appIds.map((id) => [id, []]));
  if (appIds.length === 0) return links;
  const rows = await ctx.db
    .selectFrom('app_policies')
    .select(['app_id', 'policy_id', 'precedence'])
    .where('account_id', '=', accountId)
    .where('app_id', 'in', appIds)
    .orderBy('app_id')
    .orderBy('precedence')
    .execute();
  for (const row of rows)
    links.get(row.app_id)?.push({ policyId: row.policy_id, precedence: row.precedence });
  return links;
}

function toRecord(
  ctx: RepositoryContext,
  row: AppsTable,
  policies: AppPolicyLink[],
): InfrastructureAppRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    type: row.type,
    aud: row.aud,
    targetCriteria: ctx.codec.readJson(row.target_criteria) as JsonValue[],
    policies,
    ...(row.mfa_config === null || row.mfa_config === undefined
      ? {}
      : { mfaConfig: ctx.codec.readJson(row.mfa_config) as JsonObject }),
    createdAt: ctx.codec.readTime(row.created_at),
    updatedAt: ctx.codec.readTime(row.updated_at),
  };
}

/** Checks the links (distinct policies and precedences, policies of this account) and writes them. */
async function writeLinks(ctx: RepositoryContext, accountId: string, appId: string, links: AppPolicyLink[]) {
  const policies = new Set(links.map((link) => link.policyId));
  const precedences = new Set(links.map((link) => link.precedence));
  if (policies.size !== links.length)
    throw new LatchkeyError('invalid_argument', 'an app lists the same policy twice');
  if (precedences.size !== links.length) {
    throw new LatchkeyError('invalid_argument', 'two policies of an app have the same precedence');
  }
  if (links.length === 0) return;
  const existing = await ctx.db
    .selectFrom('policies')
    .select('id')
    .where('account_id', '=', accountId)
    .where('id', 'in', [...policies])
    .execute();
  const found = new Set(existing.map((row) => row.id));
  const missing = [...policies].find((id) => !found.has(id));
  if (missing !== undefined) throw new LatchkeyError('invalid_argument', `policy ${missing} does not exist`);
  try {
    await ctx.db
      .insertInto('app_policies')
      .values(
        links.map((link) => ({
          account_id: accountId,
          app_id: appId,
          policy_id: link.policyId,
          precedence: link.precedence,
        })),
      )
      .execute();
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw new LatchkeyError('invalid_argument', 'a policy of the app was deleted meanwhile', {
        cause: error,
      });
    }
    throw error;
  }
}

/** Deletes those of `policyIds` that are inline (not reusable) and that no app links any more. */
async function deleteOrphanedInlinePolicies(ctx: RepositoryContext, accountId: string, policyIds: string[]) {
  if (policyIds.length === 0) return;
  await ctx.db
    .deleteFrom('policies')
    .where('account_id', '=', accountId)
    .where('id', 'in', policyIds)
    .where('reusable', '=', ctx.codec.bool(false))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('app_policies')
            .select('app_id')
            .whereRef('app_policies.policy_id', '=', 'policies.id'),
        ),
      ),
    )
    .execute();
}

export function appRepository(ctx: RepositoryContext): InfrastructureAppRepository {
  const { db } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('apps')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return toRecord(c, row, (await linksOf(c, accountId, [id])).get(id) ?? []);
  };

  return {
    async create(accountId, input: InfrastructureAppInput) {
      return withTransaction(ctx, async (tx) => {
        const at = tx.codec.time(now(tx));
        const row: AppsTable = {
          id: tx.newId(),
          account_id: accountId,
          name: input.name,
          type: input.type,
          aud: randomBytes(32).toString('hex'),
          target_criteria: tx.codec.json(input.targetCriteria),
          mfa_config: input.mfaConfig === undefined ? null : tx.codec.json(input.mfaConfig),
          created_at: at,
          updated_at: at,
        };
        // RETURNING: the record is what the database stored (pg parses jsonb), the same as a later read.
        const stored = await tx.db.insertInto('apps').values(row).returningAll().executeTakeFirstOrThrow();
        await writeLinks(tx, accountId, row.id, input.policies);
        return toRecord(
          tx,
          stored,
          [...input.policies].sort((a, b) => a.precedence - b.precedence),
        );
      });
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async list(accountId, filter = {}) {
      let query = db.selectFrom('apps').selectAll().where('account_id', '=', accountId);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      const links = await linksOf(
        ctx,
        accountId,
        rows.map((row) => row.id),
      );
      return rows.map((row) => toRecord(ctx, row, links.get(row.id) ?? []));
    },

    async replace(accountId, id, input) {
      return withTransaction(ctx, async (tx) => {
        const current = await get(tx, accountId, id);
        if (current === undefined) return undefined;
        await tx.db
          .updateTable('apps')
          .set({
            name: input.name,
            type: input.type,
            target_criteria: tx.codec.json(input.targetCriteria),
            mfa_config: input.mfaConfig === undefined ? null : tx.codec.json(input.mfaConfig),
            updated_at: tx.codec.time(now(tx)),
          })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .execute();
        await tx.db
          .deleteFrom('app_policies')
          .where('account_id', '=', accountId)
          .where('app_id', '=', id)
          .execute();
        await writeLinks(tx, accountId, id, input.policies);
        await deleteOrphanedInlinePolicies(
          tx,
          accountId,
          current.policies.map((link) => link.policyId),
        );
        return get(tx, accountId, id);
      });
    },

    async delete(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        const current = await get(tx, accountId, id);
        if (current === undefined) return undefined;
        await tx.db
          .deleteFrom('app_policies')
          .where('account_id', '=', accountId)
          .where('app_id', '=', id)
          .execute();
        await tx.db.deleteFrom('apps').where('account_id', '=', accountId).where('id', '=', id).execute();
        await deleteOrphanedInlinePolicies(
          tx,
          accountId,
          current.policies.map((link) => link.policyId),
        );
        return current;
      });
    },
  };
}
