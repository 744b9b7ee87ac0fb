// docs/api-reference.md is generated from the server's OpenAPI document: a route added or changed without
// regenerating it (npm run docs:api) fails here, so the reference stays true to the code.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetchOpenApiDocument } from '../../../scripts/api-reference/fetch-openapi.js';
import { renderApiReference } from '../../../scripts/api-reference/render-api-reference.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/api-reference.md', function () {
  this.timeout(90_000);

  it('is what the running server documents (npm run docs:api regenerates it)', async () => {
    const document = await fetchOpenApiDocument(ROOT);
    const expected = renderApiReference(document);
    const committed = await readFile(`${ROOT}docs/api-reference.md`, 'utf8');
    assert.ok(committed === expected, 'docs/api-reference.md is stale: run npm run docs:api');
    // And it is a reference, not an empty page: every operation has its heading.
    const operations = Object.values(document.paths).flatMap((methods) => Object.keys(methods));
    assert.equal(committed.match(/^### `/gm)?.length, operations.length);
    assert.ok(operations.length > 40, `${operations.length} operations`);
  });

  it('renders parameters, bodies, results and who may call each operation', () => {
    const text = renderApiReference({
      info: { title: 'T', version: '1' },
      paths: {
        '/things/{id}': {
          put: {
            summary: 'Replace a thing',
            description: 'Caller: an API token with the permission "X: Edit".',
            tags: ['Things'],
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            ],
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['name'],
                    properties: {
                      name: { type: 'string', description: 'A | name' },
                      kind: { enum: ['a', 'b'] },
                      inner: { type: 'object', properties: { deep: { type: 'integer' } } },
                    },
                  },
                },
              },
            },
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: { result: { type: 'object', properties: { id: { type: 'string' } } } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    });
    assert.match(text, /^### `PUT \/things\/\{id\}`$/m);
    assert.match(text, /^Caller: an API token with the permission "X: Edit"\.$/m);
    assert.match(text, /^\| `id` \| path \| string \(uuid\) \| yes \| {2}\|$/m);
    assert.match(text, /^\| `name` \| string \| yes \| A \\\| name \|$/m);
    assert.match(text, /^\| `kind` \| "a" \\\| "b" \| {2}\| {2}\|$/m);
    assert.match(text, /^\| `inner\.deep` \| integer \| {2}\| {2}\|$/m);
    assert.match(text, /^Result:\n\n\| field/m);
  });
});
