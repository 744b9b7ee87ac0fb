/**
 * docs/api-reference.md from the server's OpenAPI document (GET /openapi.json), which the routes generate
 * from the same TypeBox schemas that validate requests: so the reference cannot drift from the code
 * (test/integration/scripts/api-reference.test.ts fails when the committed file is stale). Pure: document in, text out.
 *
 * Per operation: method and path, summary, description (with who may call it), parameters, the request
 * body's fields and the result's fields, nested objects flattened to dotted names, two levels deep.
 */

interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function renderApiReference(document: OpenApiDocument): string {
  const byTag = new Map<string, { method: string; path: string; operation: Operation }[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (operation === undefined) continue;
      const tag = operation.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, operation }]);
    }
  }
  const out: string[] = [
    `# ${document.info.title} — reference`,
    '',
    '<!-- Generated from GET /openapi.json by `npm run docs:api`; do not edit by hand. -->',
    '',
    document.info.description ?? '',
    '',
    'Every JSON answer is wrapped in Cloudflare\'s envelope: `{"success": true, "errors": [], "messages": [], ' +
      '"result": …}` (lists add `result_info` with `page`, `per_page`, `count`, `total_count`); a failure is ' +
      '`{"success": false, "errors": [{"code": …, "message": "…"}]}` with the HTTP status of the error. ' +
      'Authenticate with `Authorization: Bearer <token>`. The machine-readable document is `GET /openapi.json`.',
    '',
    '## Contents',
    '',
    ...[...byTag.keys()].map((tag) => `- [${tag}](#${anchor(tag)})`),
    '',
  ];
  for (const [tag, operations] of byTag) {
    out.push(`## ${tag}`, '');
    for (const { method, path, operation } of operations)
      out.push(...renderOperation(method, path, operation));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function renderOperation(method: string, path: string, operation: Operation): string[] {
  const out = [`### \`${method.toUpperCase()} ${path}\``, ''];
  if (operation.summary !== undefined) out.push(`${operation.summary}.`.replace(/\.\.$/, '.'), '');
  if (operation.description !== undefined) out.push(operation.description, '');
  const parameters = operation.parameters ?? [];
  if (parameters.length > 0) {
    out.push('| parameter | in | type | required | description |', '|---|---|---|---|---|');
    for (const parameter of parameters) {
      out.push(
        row([
          `\`${parameter.name}\``,
          parameter.in,
          typeOf(parameter.schema),
          parameter.required === true ? 'yes' : '',
          parameter.description ?? parameter.schema?.description ?? '',
        ]),
      );
    }
    out.push('');
  }
  const body = firstContent(operation.requestBody?.content);
  if (body !== undefined) {
    out.push(...fieldTable(`Request body (\`${body.type}\`)`, body.schema));
  }
  const success = operation.responses?.['200'] ?? operation.responses?.['201'];
  const answer = firstContent(success?.content);
  if (answer !== undefined) {
    const result = answer.schema?.properties?.result;
    if (answer.type !== 'application/json')
      out.push(`Answer: \`${answer.type}\`${success?.description ? ` — ${success.description}` : ''}.`, '');
    else if (result !== undefined) out.push(...fieldTable('Result', result));
  }
  return out;
}

function firstContent(
  content: Record<string, { schema?: Schema }> | undefined,
): { type: string; schema: Schema | undefined } | undefined {
  const entry = Object.entries(content ?? {})[0];
  return entry === undefined ? undefined : { type: entry[0], schema: entry[1].schema };
}

function fieldTable(title: string, schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const list = schema.type === 'array' && schema.items !== undefined;
  const object = list ? schema.items! : schema;
  const fields = flatten(object, '', 0);
  if (fields.length === 0) return [`${title}: ${typeOf(schema)}.`, ''];
  return [
    `${title}${list ? ': a list of' : ':'}`,
    '',
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...fields.map((field) =>
      row([`\`${field.name}\``, field.type, field.required ? 'yes' : '', field.description]),
    ),
    '',
  ];
}

interface Field {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

function flatten(schema: Schema, prefix: string, depth: number): Field[] {
  const variants = schema.anyOf ?? schema.oneOf;
  if (schema.properties === undefined && variants !== undefined) {
    const merged: Field[] = [];
    for (const variant of variants) {
      for (const field of flatten(variant, prefix, depth)) {
        if (!merged.some((known) => known.name === field.name)) merged.push({ ...field, required: false });
      }
    }
    return merged;
  }
  const fields: Field[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const full = `${prefix}${name}`;
    fields.push({
      name: full,
      type: typeOf(property),
      required: schema.required?.includes(name) ?? false,
      description: property.description ?? '',
    });
    const inner = property.type === 'array' ? property.items : property;
    if (depth < 1 && inner?.properties !== undefined) {
      fields.push(...flatten(inner, `${full}${property.type === 'array' ? '[]' : ''}.`, depth + 1));
    }
  }
  return fields;
}

function typeOf(schema: Schema | undefined): string {
  if (schema === undefined) return '';
  if (schema.enum !== undefined) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined) return [...new Set(variants.map(typeOf))].join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  return schema.format === undefined ? type : `${type} (${schema.format})`;
}

function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|').replace(/\n+/g, ' ')).join(' | ')} |`;
}

function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}
