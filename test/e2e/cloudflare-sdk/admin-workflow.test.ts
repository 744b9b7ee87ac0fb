/**
 * Issue 16: Cloudflare's official TypeScript SDK (npm `cloudflare`), pointed at a real zero-config
 * `latchkey-server` process, through the admin guide's whole workflow: accounts → virtual networks →
 * targets (batch and paged) → groups → reusable policies → apps in both criteria forms → the SSH CA →
 * the SSH-log key. Every list is iterated with `for await` to its end (the SDK asks for page N+1 until
 * a page comes back empty), and every item the issue found broken is shown fixed.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import Cloudflare from 'cloudflare';
import { findFreePort } from '../../harness/network.js';
import { createTempDir } from '../../harness/temp-dir.js';
import type { TempDir } from '../../harness/temp-dir.js';
import { startServerProcess } from '../server/server-process.js';
import type { ServerProcess } from '../server/server-process.js';

/** Every item of an SDK list, iterated as the SDK's README does. */
async function all<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) {
    items.push(item);
    // A list that never ends (the bug) fails here instead of hanging the test.
    assert.ok(items.length < 10_000, 'the list never ended');
  }
  return items;
}

describe('e2e: the official Cloudflare SDK drives latchkey-server (issue 16)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let server: ServerProcess;
  let client: Cloudflare;
  /** Requests the SDK sent, as "METHOD path". */
  const sent: string[] = [];
  let accountId: string;

  before(async () => {
    dir = await createTempDir('cloudflare-sdk');
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess(['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`]);
    const token = (await readFile(dir.file('admin.token'), 'utf8')).trim();
    client = new Cloudflare({
      apiToken: token,
      baseURL: `${server.url}/client/v4`,
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        const { pathname, search } = new URL(String(url instanceof Request ? url.url : url));
        sent.push(`${init?.method ?? 'GET'} ${pathname}${search}`);
        return fetch(url, init);
      }) as typeof fetch,
    });
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('accounts: for await ends; the id is 32 hex characters; get and both token verifications', async () => {
    const accounts = await all(client.accounts.list());
    assert.equal(accounts.length, 1);
    accountId = accounts[0]!.id;
    assert.match(accountId, /^[0-9a-f]{32}$/);
    assert.deepEqual(await all(client.accounts.list({ per_page: 1 })), accounts);
    assert.deepEqual(await all(client.accounts.list({ name: 'no such account' })), []);
    const got = await client.accounts.get({ account_id: accountId });
    assert.equal(got.id, accountId);
    assert.equal((await client.accounts.tokens.verify({ account_id: accountId })).status, 'active');
    assert.equal((await client.user.tokens.verify()).status, 'active');
  });

  it('virtual networks: create; is_default_network and is_deleted filter', async () => {
    const staging = await client.zeroTrust.networks.virtualNetworks.create({
      account_id: accountId,
      name: 'staging',
      comment: 'for the SDK test',
    });
    const every = await all(client.zeroTrust.networks.virtualNetworks.list({ account_id: accountId }));
    assert.deepEqual(every.map((n) => n.name).sort(), ['default', 'staging']);
    const defaults = await all(
      client.zeroTrust.networks.virtualNetworks.list({ account_id: accountId, is_default_network: true }),
    );
    assert.deepEqual(
      defaults.map((n) => n.name),
      ['default'],
    );
    const others = await all(
      client.zeroTrust.networks.virtualNetworks.list({ account_id: accountId, is_default_network: false }),
    );
    assert.deepEqual(
      others.map((n) => n.id),
      [staging.id],
    );
    assert.deepEqual(
      await all(client.zeroTrust.networks.virtualNetworks.list({ account_id: accountId, is_deleted: true })),
      [],
    );
    assert.equal(
      (
        await all(
          client.zeroTrust.networks.virtualNetworks.list({ account_id: accountId, is_deleted: false }),
        )
      ).length,
      2,
    );
  });

  it('targets: tags stored, returned and filtered; batch; paged for await; a duplicate is sent once', async () => {
    const targets = client.zeroTrust.access.infrastructure.targets;
    const web = await targets.create({
      account_id: accountId,
      hostname: 'web-1',
      ip: { ipv4: { ip_addr: '10.1.0.1' } },
      tags: { env: 'prod', team: 'web' },
    });
    assert.deepEqual(web.tags, { env: 'prod', team: 'web' });
    assert.deepEqual((await targets.get(web.id, { account_id: accountId })).tags, web.tags);

    const batch = await all(
      targets.bulkUpdate({
        account_id: accountId,
        body: Array.from({ length: 23 }, (_, i) => ({
          hostname: `batch-${String(i).padStart(2, '0')}`,
          ip: { ipv4: { ip_addr: `10.2.0.${i + 1}` } },
          ...(i % 2 === 0 ? { tags: { env: 'staging' } } : {}),
        })),
      }),
    );
    assert.equal(batch.length, 23);

    const paged = await all(targets.list({ account_id: accountId, per_page: 5 }));
    assert.equal(paged.length, 24);
    assert.equal(new Set(paged.map((t) => t.id)).size, 24, 'no target twice across pages');
    const pageRequests = sent.filter((r) => r.startsWith('GET ') && r.includes('/infrastructure/targets?'));
    assert.ok(
      pageRequests.some((r) => r.includes('page=6')),
      pageRequests.join('\n'),
    );

    assert.deepEqual(
      (await all(targets.list({ account_id: accountId, tag: ['env:prod'] }))).map((t) => t.hostname),
      ['web-1'],
    );
    assert.equal((await all(targets.list({ account_id: accountId, tag: ['env:staging'] }))).length, 12);
    assert.deepEqual(await all(targets.list({ account_id: accountId, tag: ['env:prod', 'team:db'] })), []);

    const before = sent.length;
    await assert.rejects(
      targets.create({ account_id: accountId, hostname: 'web-dup', ip: { ipv4: { ip_addr: '10.1.0.1' } } }),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.ConflictError, String(error));
        assert.equal(error.headers.get('x-should-retry'), 'false');
        return true;
      },
    );
    assert.deepEqual(sent.slice(before), [`POST /client/v4/accounts/${accountId}/infrastructure/targets`]);
  });

  it('groups: is_default stored and returned; the name filter applies; for await ends', async () => {
    const groups = client.zeroTrust.access.groups;
    const ops = await groups.create({
      account_id: accountId,
      name: 'ops',
      is_default: true,
      include: [{ email_domain: { domain: 'example.com' } }],
    });
    await groups.create({ account_id: accountId, name: 'dev', include: [{ everyone: {} }] });
    const listed = await all(groups.list({ account_id: accountId, per_page: 1 }));
    assert.deepEqual(listed.map((g) => g.name).sort(), ['dev', 'ops']);
    const byName = await all(groups.list({ account_id: accountId, name: 'ops' }));
    assert.deepEqual(
      byName.map((g) => g.id),
      [ops.id],
    );
    assert.equal((byName[0] as { is_default?: unknown }).is_default, true);
  });

  let reusableId: string;
  let bareId: string;
  it('reusable policies: one without connection_rules (the SDK example) and one with; for await ends', async () => {
    const policies = client.zeroTrust.access.policies;
    const bare = await policies.create({
      account_id: accountId,
      name: 'Allow devs',
      decision: 'allow',
      include: [{ email: { email: 'dev@example.com' } }],
    });
    bareId = bare.id!;
    const ssh = await policies.create({
      account_id: accountId,
      name: 'Ops may SSH',
      decision: 'allow',
      include: [{ email_domain: { domain: 'example.com' } }],
      connection_rules: { ssh: { usernames: ['ops'], allow_email_alias: false } },
    } as Parameters<typeof policies.create>[0]);
    reusableId = ssh.id!;
    const listed = await all(policies.list({ account_id: accountId, per_page: 1 }));
    assert.deepEqual(listed.map((p) => p.id).sort(), [bareId, reusableId].sort());
  });

  it('apps: the flat and the rule form of target_criteria, mfa_config, filters, for await ends', async () => {
    const apps = client.zeroTrust.access.applications;
    type AppParams = Parameters<typeof apps.create>[0];
    const flat = await apps.create({
      account_id: accountId,
      name: 'Web (flat)',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
      policies: [{ id: reusableId }],
    } as AppParams);
    const rules = await apps.create({
      account_id: accountId,
      name: 'Staging (rules)',
      type: 'infrastructure',
      target_criteria: [
        {
          include: { tags: { env: ['staging'] } },
          exclude: { target_attributes: { hostname: ['batch-00'] } },
          port: 22,
          protocol: 'SSH',
        },
      ],
      mfa_config: { allowed_authenticators: ['ssh_fido2_key'], session_duration: '12h' },
      policies: [reusableId],
    } as AppParams);
    const stored = (await apps.get(rules.id!, { account_id: accountId })) as {
      target_criteria?: unknown;
      mfa_config?: unknown;
    };
    assert.deepEqual(stored.mfa_config, {
      allowed_authenticators: ['ssh_fido2_key'],
      session_duration: '12h',
    });
    assert.deepEqual(stored.target_criteria, [
      {
        include: { tags: { env: ['staging'] } },
        exclude: { target_attributes: { hostname: ['batch-00'] } },
        port: 22,
        protocol: 'SSH',
      },
    ]);

    const listed = await all(apps.list({ account_id: accountId, per_page: 1 }));
    assert.deepEqual(listed.map((a) => a.id).sort(), [flat.id, rules.id].sort());
    const exact = await all(apps.list({ account_id: accountId, name: 'Web (flat)', exact: true }));
    assert.deepEqual(
      exact.map((a) => a.id),
      [flat.id],
    );
    assert.deepEqual(await all(apps.list({ account_id: accountId, name: 'Web', exact: true })), []);
    assert.equal((await all(apps.list({ account_id: accountId, name: 'web' }))).length, 1);

    // A filter that cannot apply is refused, never ignored.
    await assert.rejects(
      all(apps.list({ account_id: accountId, domain: 'example.com' })),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.BadRequestError, String(error));
        assert.match(error.message, /domain/);
        return true;
      },
    );
    // A policy without connection_rules cannot be linked into an infrastructure app.
    await assert.rejects(
      apps.create({
        account_id: accountId,
        name: 'Bare',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
        policies: [bareId],
      } as AppParams),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.BadRequestError, String(error));
        assert.match(error.message, /connection_rules/);
        return true;
      },
    );
  });

  it('the SSH CA: create, the already-exists error, list', async () => {
    const ca = await client.zeroTrust.access.gatewayCA.create({ account_id: accountId });
    assert.match(ca.public_key ?? '', /^(ecdsa-sha2-nistp256|ssh-ed25519) /);
    await assert.rejects(
      client.zeroTrust.access.gatewayCA.create({ account_id: accountId }),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.APIError, String(error));
        assert.match(error.message, /access\.api\.error\.gateway_ca_already_exists/);
        return true;
      },
    );
    const listed = await all(client.zeroTrust.access.gatewayCA.list({ account_id: accountId }));
    assert.deepEqual(
      listed.map((c) => c.id),
      [ca.id],
    );
  });

  it('the SSH-log key: update, get, rotate_seed', async () => {
    const settings = client.zeroTrust.gateway.auditSSHSettings;
    const publicKey = Buffer.alloc(32, 7).toString('base64');
    const updated = await settings.update({ account_id: accountId, public_key: publicKey });
    assert.equal(updated.public_key, publicKey);
    assert.equal((await settings.get({ account_id: accountId })).seed_id, updated.seed_id);
    const rotated = await settings.rotateSeed({ account_id: accountId });
    assert.equal(rotated.public_key, publicKey);
    assert.notEqual(rotated.seed_id, updated.seed_id);
    assert.equal((await settings.get({ account_id: accountId })).seed_id, rotated.seed_id);
  });
});
