/**
 * Checks a value against one of the API's TypeBox schemas and turns the first problem into a
 * LatchkeyError('invalid_argument') whose `pointer` names the offending field and whose message says
 * what is wrong in plain words. The same schemas are registered on the server's routes (so they validate
 * requests and generate the OpenAPI document) and are used by the CLI and the agent before they send.
 *
 * Why this module: TypeBox reports ajv-style errors (`must have required properties id`), and for unions
 * it reports the failures of every branch. Here we pick the one error a person needs: for a union we
 * choose the branch the value most looks like (its JSON type, then the most shared property names) and
 * report that branch's first error.
 */
import { Compile } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import Value from 'typebox/value';
import { LatchkeyError } from '../errors/latchkey-error.js';

/** Where the checked value came from, to word the message (`body` → "/hostname: …"). */
export type RequestPart = 'body' | 'query' | 'params';

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
}

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): SchemaError[] };

const validators = new WeakMap<object, Validator>();

function validatorFor(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  return validator;
}

/**
 * Returns `value` typed by `schema` when it conforms, else throws LatchkeyError('invalid_argument')
 * with a pointer relative to the checked value (prefixed by `basePointer`).
 */
export function checkAgainstSchema<S extends TSchema>(
  schema: S,
  value: unknown,
  options: { part?: RequestPart; basePointer?: string } = {},
): Static<S> {
  const problem = findSchemaProblem(schema, value);
  if (problem === undefined) return value as Static<S>;
  const pointer = (options.basePointer ?? '') + problem.pointer;
  throw new LatchkeyError(
    'invalid_argument',
    formatProblem(options.part ?? 'body', pointer, problem.message),
    {
      pointer,
    },
  );
}

/**
 * For query strings: converts text to the schema's types first (`"2"` → 2, a single `ips=a` → `["a"]`),
 * then checks. Returns the converted value.
 */
export function convertAndCheckQuery<S extends TSchema>(schema: S, query: unknown): Static<S> {
  const converted = Value.Convert(schema, Value.Clone(query ?? {}));
  return checkAgainstSchema(schema, converted, { part: 'query' });
}

function formatProblem(part: RequestPart, pointer: string, message: string): string {
  if (part === 'query') {
    const name = pointer.split('/')[1];
    return name === undefined ? `query string: ${message}` : `query parameter "${name}": ${message}`;
  }
  if (part === 'params') return `path parameter "${pointer.split('/')[1] ?? ''}": ${message}`;
  return pointer === '' ? `request body: ${message}` : `${pointer}: ${message}`;
}

/** The first problem of `value` against `schema`, or undefined when it conforms. */
export function findSchemaProblem(
  schema: TSchema,
  value: unknown,
): { pointer: string; message: string } | undefined {
  const validator = validatorFor(schema);
  if (validator.Check(value)) return undefined;
  const errors = validator.Errors(value);
  // Errors inside a union's branches are noise until we know which branch was meant; the union's own
  // error (keyword anyOf) follows them. `boolean` errors duplicate additionalProperties ones.
  const first =
    errors.find((error) => !error.schemaPath.includes('/anyOf/') && error.keyword !== 'boolean') ??
    unionErrorOf(errors.find((error) => error.schemaPath.includes('/anyOf/')));
  if (first === undefined) return { pointer: '', message: 'is not valid' };
  const subSchema = schemaAt(schema, first.schemaPath);
  if (first.keyword === 'anyOf' && Array.isArray(subSchema?.anyOf)) {
    const subValue = valueAt(value, first.instancePath);
    const branch = closestBranch(subSchema.anyOf as TSchema[], subValue);
    const inner = branch === undefined ? undefined : findSchemaProblem(branch, subValue);
    if (inner !== undefined) return { pointer: first.instancePath + inner.pointer, message: inner.message };
  }
  return describe(first, subSchema);
}

/**
 * TypeBox does not always report a union's own error after its branches' errors: rebuild it from a
 * branch error (the union's schema path, and the part of the instance path that leads to the union).
 */
function unionErrorOf(branchError: SchemaError | undefined): SchemaError | undefined {
  if (branchError === undefined) return undefined;
  const schemaPath = branchError.schemaPath.slice(0, branchError.schemaPath.indexOf('/anyOf/'));
  const instanceParts = branchError.instancePath.split('/').slice(1);
  let consumed = 0;
  const schemaParts = schemaPath.replace(/^#\/?/, '').split('/');
  for (let index = 0; index < schemaParts.length; index++) {
    const part = schemaParts[index];
    if (part === 'properties') index++;
    if (part === 'properties' || part === 'items' || part === 'additionalProperties') consumed++;
  }
  const instancePath = instanceParts
    .slice(0, consumed)
    .map((part) => `/${part}`)
    .join('');
  return { keyword: 'anyOf', schemaPath, instancePath, params: {} };
}

function describe(
  error: SchemaError,
  schema: Record<string, unknown> | undefined,
): { pointer: string; message: string } {
  const at = error.instancePath;
  const params = error.params;
  const known = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  switch (error.keyword) {
    case 'required': {
      const missing = (params.requiredProperties as string[] | undefined)?.[0] ?? '?';
      return { pointer: `${at}/${escapePointer(missing)}`, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = (params.additionalProperties as string[] | undefined)?.[0] ?? '?';
      if (schema?.maxProperties === 1) {
        // A rule object: exactly one selector key. Point at the rule, name the selector.
        return {
          pointer: at,
          message: `unknown selector "${extra}"; supported selectors: ${known.join(', ')}`,
        };
      }
      const expected = known.length > 0 ? `; known fields: ${known.join(', ')}` : '';
      return { pointer: `${at}/${escapePointer(extra)}`, message: `unknown field "${extra}"${expected}` };
    }
    case 'minProperties':
      return schema?.maxProperties === 1
        ? { pointer: at, message: `a rule needs exactly one selector, one of: ${known.join(', ')}` }
        : { pointer: at, message: `must have at least ${String(params.limit)} field(s)` };
    case 'maxProperties':
      return schema?.maxProperties === 1
        ? { pointer: at, message: 'a rule has exactly one selector; split several into separate rules' }
        : { pointer: at, message: `must have at most ${String(params.limit)} field(s)` };
    case 'type':
      return { pointer: at, message: `must be ${article(String(params.type))}` };
    case 'format':
      return { pointer: at, message: formatMessage(String(params.format)) };
    case 'const':
      return {
        pointer: at,
        message:
          `must be ${JSON.stringify(params.allowedValue)}` +
          (typeof schema?.description === 'string' ? ` (${schema.description.replace(/\.$/, '')})` : ''),
      };
    case 'enum':
      return {
        pointer: at,
        message: `must be one of: ${((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minLength':
      return {
        pointer: at,
        message:
          params.limit === 1
            ? 'must not be empty'
            : `must be at least ${String(params.limit)} characters long`,
      };
    case 'maxLength':
      return { pointer: at, message: `must be at most ${String(params.limit)} characters long` };
    case 'minItems':
      return {
        pointer: at,
        message:
          params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`,
      };
    case 'maxItems':
      return { pointer: at, message: `must have at most ${String(params.limit)} items` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer: at, message: `must be ${String(params.comparison)} ${String(params.limit)}` };
    case 'pattern':
      return {
        pointer: at,
        message:
          typeof schema?.description === 'string'
            ? `is not valid: ${schema.description}`
            : `must match the pattern ${String(params.pattern)}`,
      };
    case 'uniqueItems':
      return { pointer: at, message: 'must not contain duplicates' };
    default:
      return { pointer: at, message: `is not valid (${error.keyword})` };
  }
}

function formatMessage(format: string): string {
  switch (format) {
    case 'uuid':
      return 'must be a UUID';
    case 'date-time':
      return 'must be an RFC 3339 date-time such as 2024-01-31T12:00:00Z';
    case 'email':
      return 'must be an email address';
    default:
      return `must be a valid ${format}`;
  }
}

function article(type: string): string {
  if (type === 'array') return 'an array';
  if (type === 'object') return 'an object';
  if (type === 'integer') return 'an integer';
  if (type === 'null') return 'null';
  return `a ${type}`;
}

/** The branch of a union that `value` most looks like: same JSON type, then most shared keys. */
function closestBranch(branches: TSchema[], value: unknown): TSchema | undefined {
  const valueType = jsonTypeOf(value);
  const sameType = branches.filter((branch) => {
    const type = (branch as { type?: unknown }).type;
    return type === valueType || (type === 'integer' && valueType === 'number');
  });
  const candidates = sameType.length > 0 ? sameType : branches;
  if (valueType !== 'object' || value === null) return candidates[0];
  const keys = Object.keys(value as object);
  let best = candidates[0];
  let bestScore = -1;
  for (const branch of candidates) {
    const properties = Object.keys((branch as { properties?: object }).properties ?? {});
    const required = ((branch as { required?: string[] }).required ?? []).filter((key) => keys.includes(key));
    const score = keys.filter((key) => properties.includes(key)).length * 2 + required.length;
    if (score > bestScore) {
      best = branch;
      bestScore = score;
    }
  }
  return best;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function schemaAt(schema: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (part === '') continue;
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapePointer(part)];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

function valueAt(value: unknown, instancePath: string): unknown {
  let node = value;
  for (const part of instancePath.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapePointer(part)];
  }
  return node;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
