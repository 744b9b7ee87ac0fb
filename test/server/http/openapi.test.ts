import assert from 'node:assert/strict';
import { InfrastructureAppInputSchema, TargetInputSchema } from '@latchkey/shared';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

describe('server HTTP: OpenAPI document', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  it('is served without a token and lists every declared route', async () => {
    const response = await server.call('GET', '/openapi.json', { token: null });
    assert.equal(response.status, 200);
    const doc = response.body;
    assert.match(doc.openapi, /^3\./);
    for (const route of server.routes) {
      const path = route.url.replace(/:([a-z_]+)/g, '{$1}');
      assert.ok(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path} is documented`);
    }
    assert.equal(doc.paths['/openapi.json'], undefined);
  });

  it('documents request bodies with the very schemas that validate them', async () => {
    const doc = (await server.call('GET', '/openapi.json', { token: null })).body;
    const targetBody =
      doc.paths['/client/v4/accounts/{account_id}/infrastructure/targets'].post.requestBody.content[
        'application/json'
      ].schema;
    assert.deepEqual(targetBody.required, TargetInputSchema.required);
    assert.deepEqual(Object.keys(targetBody.properties), Object.keys(TargetInputSchema.properties));
    assert.equal(targetBody.additionalProperties, false);
    const appBody =
      doc.paths['/client/v4/accounts/{account_id}/access/apps'].post.requestBody.content['application/json']
        .schema;
    assert.deepEqual(Object.keys(appBody.properties), Object.keys(InfrastructureAppInputSchema.properties));
    const ruleSelectors = Object.keys(
      appBody.properties.policies.items.anyOf[2].properties.include.items.properties,
    ).sort();
    assert.deepEqual(ruleSelectors, [
      'auth_method',
      'email',
      'email_domain',
      'everyone',
      'geo',
      'group',
      'ip',
      'login_method',
      'oidc',
    ]);
    const list = doc.paths['/client/v4/accounts/{account_id}/infrastructure/targets'].get;
    const parameters = list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    for (const name of [
      'hostname',
      'ips',
      'target_ids',
      'ipv4_start',
      'page',
      'per_page',
      'order',
      'direction',
    ]) {
      assert.ok(parameters.includes(`query:${name}`), name);
    }
    assert.ok(doc.components.securitySchemes.bearerAuth);
  });
});
