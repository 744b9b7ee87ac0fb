import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The infrastructure app example of the spec, verbatim. */
const SPEC_APP = {
  name: 'Example infrastructure app',
  type: 'infrastructure',
  target_criteria: [{ target_attributes: { hostname: ['infra-access-target'] }, port: 22, protocol: 'SSH' }],
  policies: [
    {
      name: 'Allow a specific email',
      decision: 'allow',
      include: [{ email: { email: 'jdoe@company.com' } }],
      connection_rules: { ssh: { usernames: ['root', 'ec2-user'], allow_email_alias: false } },
    },
  ],
};

const POLICY = {
  name: 'ops',
  decision: 'allow',
  include: [{ email_domain: { domain: 'company.com' } }],
  connection_rules: { ssh: { usernames: ['ops'] } },
};

// Test bodies are mutated freely to make each invalid case.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Mutable = any;

function clone<T>(value: T): Mutable {
  return structuredClone(value);
}

describe('server HTTP: access apps, policies and groups', () => {
  let server: TestServer;
  let apps: string;
  let policies: string;
  let groups: string;

  beforeEach(async () => {
    server = await startTestServer();
    apps = `${server.base}/access/apps`;
    policies = `${server.base}/access/policies`;
    groups = `${server.base}/access/groups`;
  });
  afterEach(async () => server?.close());

  async function storedCounts() {
    return {
      apps: (await server.store.apps.list(server.accountId)).length,
      policies: (await server.store.policies.list(server.accountId)).length,
      groups: (await server.store.groups.list(server.accountId)).length,
    };
  }

  it("round-trips the spec's infrastructure app example exactly", async () => {
    const response = await server.call('POST', apps, { body: SPEC_APP });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const result = response.body.result;
    const policy = result.policies[0];
    assert.match(result.id, UUID);
    assert.match(result.aud, /^[0-9a-f]{64}$/);
    assert.match(policy.id, UUID);
    assert.deepEqual(result, {
      ...SPEC_APP,
      id: result.id,
      aud: result.aud,
      created_at: result.created_at,
      updated_at: result.updated_at,
      policies: [
        {
          ...SPEC_APP.policies[0],
          id: policy.id,
          precedence: 1,
          exclude: [],
          require: [],
          created_at: policy.created_at,
          updated_at: policy.updated_at,
        },
      ],
    });
    assert.deepEqual((await server.call('GET', `${apps}/${result.id}`)).body.result, result);
    assert.deepEqual((await server.call('GET', apps)).body.result, [result]);
  });

  it('links reusable policies by id and by {id, precedence}, and replaces an app (PUT)', async () => {
    const reusable = (await server.call('POST', policies, { body: POLICY })).body.result;
    assert.equal(reusable.reusable, true);
    const other = (await server.call('POST', policies, { body: { ...POLICY, name: 'other' } })).body.result;
    const created = await server.call('POST', apps, {
      body: { ...SPEC_APP, policies: [reusable.id, { id: other.id, precedence: 5 }, SPEC_APP.policies[0]] },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const app = created.body.result;
    assert.deepEqual(
      app.policies.map((p: { name: string; precedence: number }) => [p.name, p.precedence]),
      [
        ['ops', 1],
        ['Allow a specific email', 3],
        ['other', 5],
      ],
    );
    const inline = app.policies.find((p: { name: string }) => p.name === 'Allow a specific email');
    // PUT: keep the inline policy by id, drop the reusable ones, add a new inline one.
    const replaced = await server.call('PUT', `${apps}/${app.id}`, {
      body: {
        ...SPEC_APP,
        name: 'renamed',
        policies: [
          { id: inline.id, precedence: 1 },
          { ...POLICY, name: 'new inline', precedence: 2 },
        ],
      },
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.result.name, 'renamed');
    assert.equal(replaced.body.result.aud, app.aud);
    assert.deepEqual(
      replaced.body.result.policies.map((p: { id: string; name: string }) => p.name),
      ['Allow a specific email', 'new inline'],
    );
    assert.equal(replaced.body.result.policies[0].id, inline.id);
    // Deleting the app deletes its inline policies, not the reusable ones.
    const deleted = await server.call('DELETE', `${apps}/${app.id}`);
    assert.deepEqual(deleted.body.result, { id: app.id });
    assert.deepEqual(await storedCounts(), { apps: 0, policies: 2, groups: 0 });
    assert.equal((await server.call('GET', `${apps}/${app.id}`)).status, 404);
  });

  it("refuses another app's inline policy and unknown policy ids", async () => {
    const first = (await server.call('POST', apps, { body: SPEC_APP })).body.result;
    const foreign = await server.call('POST', apps, {
      body: { ...SPEC_APP, policies: [first.policies[0].id] },
    });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.errors[0].source.pointer, '/policies/0');
    const unknown = await server.call('POST', apps, {
      body: { ...SPEC_APP, policies: ['00000000-0000-4000-8000-000000000000'] },
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.errors[0].message, /does not exist/);
    assert.deepEqual(await storedCounts(), { apps: 1, policies: 1, groups: 0 });
  });

  it('a port has one protocol across the account', async () => {
    await server.call('POST', apps, { body: SPEC_APP });
    const rdp = clone(SPEC_APP);
    rdp.target_criteria[0].protocol = 'RDP';
    const clash = await server.call('POST', apps, { body: rdp });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.errors[0].source.pointer, '/target_criteria/0/protocol');
    assert.match(clash.body.errors[0].message, /port 22 is already used for SSH/);
    // The same port and protocol again is fine.
    assert.equal((await server.call('POST', apps, { body: SPEC_APP })).status, 200);
    assert.deepEqual(await storedCounts(), { apps: 2, policies: 2, groups: 0 });
  });

  it('accepts every supported selector, and allow_email_alias without usernames', async () => {
    const group = (
      await server.call('POST', groups, { body: { name: 'admins', include: [{ everyone: {} }] } })
    ).body.result;
    const body = clone(SPEC_APP);
    body.policies[0].include = [
      { email: { email: 'a@b.co' } },
      { email_domain: { domain: 'b.co' } },
      { everyone: {} },
      { ip: { ip: '10.0.0.0/8' } },
      { ip: { ip: '2001:db8::/32' } },
      { group: { id: group.id } },
      { login_method: { id: '5a4e0c2d-5d0e-4a5f-9c55-1a2b3c4d5e6f' } },
      { auth_method: { auth_method: 'mfa' } },
      { geo: { country_code: 'US' } },
      { oidc: { claim_name: 'groups', claim_value: 'ops', identity_provider_id: 'idp' } },
    ];
    body.policies[0].require = [{ auth_method: { auth_method: 'hwk' } }];
    body.policies[0].exclude = [{ geo: { country_code: 'KP' } }];
    body.policies[0].connection_rules.ssh = { usernames: [], allow_email_alias: true };
    const response = await server.call('POST', apps, { body });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const policy = response.body.result.policies[0];
    assert.deepEqual(policy.include, body.policies[0].include);
    assert.deepEqual(policy.require, body.policies[0].require);
    assert.deepEqual(policy.exclude, body.policies[0].exclude);
  });

  it('reusable policies: CRUD, validation, and refusing to delete one an app links', async () => {
    const created = await server.call('POST', policies, { body: POLICY });
    assert.equal(created.status, 200);
    const policy = created.body.result;
    assert.deepEqual(policy, {
      ...POLICY,
      id: policy.id,
      require: [],
      exclude: [],
      reusable: true,
      created_at: policy.created_at,
      updated_at: policy.updated_at,
    });
    assert.deepEqual((await server.call('GET', policies)).body.result, [policy]);
    const replaced = await server.call('PUT', `${policies}/${policy.id}`, {
      body: { ...POLICY, name: 'ops2' },
    });
    assert.equal(replaced.body.result.name, 'ops2');
    const app = (await server.call('POST', apps, { body: { ...SPEC_APP, policies: [policy.id] } })).body
      .result;
    const refused = await server.call('DELETE', `${policies}/${policy.id}`);
    assert.equal(refused.status, 409);
    assert.ok(refused.body.errors[0].message.includes(app.id), refused.body.errors[0].message);
    await server.call('DELETE', `${apps}/${app.id}`);
    assert.deepEqual((await server.call('DELETE', `${policies}/${policy.id}`)).body.result, {
      id: policy.id,
    });
    assert.equal((await server.call('GET', `${policies}/${policy.id}`)).status, 404);

    const invalid = await server.call('POST', policies, { body: { ...POLICY, decision: 'deny' } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.errors[0].source.pointer, '/decision');
    const withPrecedence = await server.call('POST', policies, { body: { ...POLICY, precedence: 1 } });
    assert.equal(withPrecedence.status, 400);
    assert.equal(withPrecedence.body.errors[0].source.pointer, '/precedence');
    assert.equal((await storedCounts()).policies, 0);
  });

  it('inline policies are not addressable under /access/policies', async () => {
    const app = (await server.call('POST', apps, { body: SPEC_APP })).body.result;
    assert.equal((await server.call('GET', `${policies}/${app.policies[0].id}`)).status, 404);
    assert.deepEqual((await server.call('GET', policies)).body.result, []);
  });

  it('groups: CRUD; the group selector must name an existing group; no deletion while referenced', async () => {
    const created = await server.call('POST', groups, {
      body: { name: 'admins', include: [{ email_domain: { domain: 'company.com' } }] },
    });
    assert.equal(created.status, 200);
    const group = created.body.result;
    assert.deepEqual(group, {
      id: group.id,
      name: 'admins',
      is_default: false,
      include: [{ email_domain: { domain: 'company.com' } }],
      require: [],
      exclude: [],
      created_at: group.created_at,
      updated_at: group.updated_at,
    });
    const self = await server.call('PUT', `${groups}/${group.id}`, {
      body: { name: 'admins', include: [{ group: { id: group.id } }] },
    });
    assert.equal(self.status, 400);
    assert.equal(self.body.errors[0].source.pointer, '/include/0/group/id');
    const missing = await server.call('POST', groups, {
      body: { name: 'x', include: [{ group: { id: '00000000-0000-4000-8000-000000000000' } }] },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0].source.pointer, '/include/0/group/id');
    const badRule = await server.call('POST', groups, { body: { name: 'x', include: [{ okta: {} }] } });
    assert.equal(badRule.status, 400);
    assert.equal(badRule.body.errors[0].source.pointer, '/include/0');

    const policy = (
      await server.call('POST', policies, { body: { ...POLICY, include: [{ group: { id: group.id } }] } })
    ).body.result;
    const refused = await server.call('DELETE', `${groups}/${group.id}`);
    assert.equal(refused.status, 409);
    assert.ok(refused.body.errors[0].message.includes(policy.id));
    await server.call('DELETE', `${policies}/${policy.id}`);
    assert.deepEqual((await server.call('DELETE', `${groups}/${group.id}`)).body.result, { id: group.id });
    assert.deepEqual(await storedCounts(), { apps: 0, policies: 0, groups: 0 });
  });
});

// The validation table shares one server: each case is refused before anything is stored, which every
// case checks (a case that stored something fails every one after it too).
describe('server HTTP: access apps refuse invalid bodies', () => {
  let server: TestServer;
  let apps: string;

  before(async () => {
    server = await startTestServer();
    apps = `${server.base}/access/apps`;
  });
  after(async () => server?.close());

  async function storedCounts() {
    return {
      apps: (await server.store.apps.list(server.accountId)).length,
      policies: (await server.store.policies.list(server.accountId)).length,
      groups: (await server.store.groups.list(server.accountId)).length,
    };
  }

  // Every validation rule of an app body: [what, mutate the spec example, pointer, message].
  const invalidApps: [string, (app: Mutable) => void, string, RegExp][] = [
    ['type other than infrastructure', (a) => (a.type = 'self_hosted'), '/type', /"infrastructure"/],
    ['missing name', (a) => delete a.name, '/name', /required/],
    ['no target criteria', (a) => (a.target_criteria = []), '/target_criteria', /empty/],
    ['bad target hostname', (a) => (a.target_criteria[0].target_attributes.hostname = ['bad host']), '/target_criteria/0/target_attributes/hostname/0', /" "/],
    ['empty hostname list', (a) => (a.target_criteria[0].target_attributes.hostname = []), '/target_criteria/0/target_attributes/hostname', /empty/],
    ['unknown target attribute', (a) => (a.target_criteria[0].target_attributes.tags = ['x']), '/target_criteria/0/target_attributes/tags', /unknown field "tags"/],
    ['port 0', (a) => (a.target_criteria[0].port = 0), '/target_criteria/0/port', />= 1/],
    ['port 65536', (a) => (a.target_criteria[0].port = 65536), '/target_criteria/0/port', /<= 65535/],
    ['port as a string', (a) => (a.target_criteria[0].port = '22'), '/target_criteria/0/port', /integer/],
    ['unknown protocol', (a) => (a.target_criteria[0].protocol = 'TELNET'), '/target_criteria/0/protocol', /one of/],
    ['lowercase protocol', (a) => (a.target_criteria[0].protocol = 'ssh'), '/target_criteria/0/protocol', /one of/],
    ['two protocols on one port', (a) => a.target_criteria.push({ target_attributes: { hostname: ['x'] }, port: 22, protocol: 'RDP' }), '/target_criteria/1/protocol', /one protocol/],
    ['decision deny', (a) => (a.policies[0].decision = 'deny'), '/policies/0/decision', /"allow"/],
    ['decision bypass', (a) => (a.policies[0].decision = 'bypass'), '/policies/0/decision', /"allow"/],
    ['missing decision', (a) => delete a.policies[0].decision, '/policies/0/decision', /required/],
    ['missing include', (a) => delete a.policies[0].include, '/policies/0/include', /required/],
    ['empty include', (a) => (a.policies[0].include = []), '/policies/0/include', /empty/],
    ['unknown selector', (a) => a.policies[0].include.push({ saml: { attribute_name: 'a', attribute_value: 'b' } }), '/policies/0/include/1', /unknown selector "saml"/],
    ['unknown selector in require', (a) => (a.policies[0].require = [{ device_posture: {} }]), '/policies/0/require/0', /unknown selector "device_posture"/],
    ['unknown selector in exclude', (a) => (a.policies[0].exclude = [{ certificate: {} }]), '/policies/0/exclude/0', /unknown selector "certificate"/],
    ['empty rule', (a) => a.policies[0].include.push({}), '/policies/0/include/1', /exactly one selector/],
    ['two selectors in one rule', (a) => (a.policies[0].include[0] = { everyone: {}, email: { email: 'a@b.co' } }), '/policies/0/include/0', /exactly one selector/],
    ['rule not an object', (a) => (a.policies[0].include[0] = 'everyone'), '/policies/0/include/0', /object/],
    ['email selector without email', (a) => (a.policies[0].include[0] = { email: {} }), '/policies/0/include/0/email/email', /required/],
    ['malformed email', (a) => (a.policies[0].include[0] = { email: { email: 'jdoe' } }), '/policies/0/include/0/email/email', /email address/],
    ['email selector with extra field', (a) => (a.policies[0].include[0] = { email: { email: 'a@b.co', x: 1 } }), '/policies/0/include/0/email/x', /unknown field/],
    ['malformed email domain', (a) => (a.policies[0].include[0] = { email_domain: { domain: 'not a domain' } }), '/policies/0/include/0/email_domain/domain', /domain name/],
    ['everyone with a value', (a) => (a.policies[0].include[0] = { everyone: { all: true } }), '/policies/0/include/0/everyone/all', /unknown field/],
    ['ip selector not a range', (a) => (a.policies[0].include[0] = { ip: { ip: '10.0.0.0/33' } }), '/policies/0/include/0/ip/ip', /IP range/],
    ['ip selector garbage', (a) => (a.policies[0].include[0] = { ip: { ip: 'office' } }), '/policies/0/include/0/ip/ip', /IP range/],
    ['group id not a UUID', (a) => (a.policies[0].include[0] = { group: { id: 'admins' } }), '/policies/0/include/0/group/id', /UUID/],
    ['group that does not exist', (a) => (a.policies[0].include[0] = { group: { id: '00000000-0000-4000-8000-000000000000' } }), '/policies/0/include/0/group/id', /does not exist/],
    ['login_method without id', (a) => (a.policies[0].include[0] = { login_method: {} }), '/policies/0/include/0/login_method/id', /required/],
    ['unknown auth_method', (a) => (a.policies[0].include[0] = { auth_method: { auth_method: 'magic' } }), '/policies/0/include/0/auth_method/auth_method', /one of/],
    ['lowercase country code', (a) => (a.policies[0].include[0] = { geo: { country_code: 'us' } }), '/policies/0/include/0/geo/country_code', /ISO 3166/],
    ['oidc without claim_value', (a) => (a.policies[0].include[0] = { oidc: { claim_name: 'groups' } }), '/policies/0/include/0/oidc/claim_value', /required/],
    ['missing connection_rules', (a) => delete a.policies[0].connection_rules, '/policies/0/connection_rules', /needs connection_rules/],
    ['connection_rules without ssh', (a) => (a.policies[0].connection_rules = {}), '/policies/0/connection_rules/ssh', /required/],
    ['invalid UNIX username', (a) => (a.policies[0].connection_rules.ssh.usernames = ['root', 'bad user']), '/policies/0/connection_rules/ssh/usernames/1', /UNIX username/],
    ['username starting with a digit', (a) => (a.policies[0].connection_rules.ssh.usernames = ['1root']), '/policies/0/connection_rules/ssh/usernames/0', /UNIX username/],
    ['username of 33 characters', (a) => (a.policies[0].connection_rules.ssh.usernames = ['a'.repeat(33)]), '/policies/0/connection_rules/ssh/usernames/0', /32/],
    ['username listed twice', (a) => (a.policies[0].connection_rules.ssh.usernames = ['root', 'root']), '/policies/0/connection_rules/ssh/usernames/1', /twice/],
    ['no usernames and no email alias', (a) => (a.policies[0].connection_rules.ssh = { usernames: [] }), '/policies/0/connection_rules/ssh/usernames', /at least one/],
    ['allow_email_alias not a boolean', (a) => (a.policies[0].connection_rules.ssh.allow_email_alias = 'yes'), '/policies/0/connection_rules/ssh/allow_email_alias', /boolean/],
    ['duplicate precedence', (a) => a.policies.push({ ...a.policies[0], name: 'second', precedence: 1 }), '/policies/1/precedence', /distinct/],
    ['policy reference not a UUID', (a) => (a.policies = ['ops']), '/policies/0', /UUID/],
    ['policy reference with extra field', (a) => (a.policies = [{ id: '00000000-0000-4000-8000-000000000000', weight: 1 }]), '/policies/0/weight', /unknown field/],
  ]; // prettier-ignore

  for (const [what, mutate, pointer, message] of invalidApps) {
    it(`refuses an app with ${what} at ${pointer}, storing nothing`, async () => {
      const body = clone(SPEC_APP);
      mutate(body);
      const response = await server.call('POST', apps, { body });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      const [error] = response.body.errors;
      assert.equal(error.source?.pointer, pointer, JSON.stringify(error));
      assert.match(error.message, message);
      assert.deepEqual(await storedCounts(), { apps: 0, policies: 0, groups: 0 });
    });
  }
});
