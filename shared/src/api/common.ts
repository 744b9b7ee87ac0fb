/** Schemas every part of the API shares: ids, times, paging, and the envelope (for OpenAPI). */
import Type from 'typebox';
import type { TSchema } from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID.' });
/** An account id: 32 hex characters like Cloudflare's, or the dashed UUID of an account made before. */
export const AccountId = Type.String({
  pattern: '^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  description: "An account id: 32 hex characters (Cloudflare's form), or a dashed UUID.",
});
export const Timestamp = Type.String({ format: 'date-time', description: 'An RFC 3339 timestamp (UTC).' });

/** `page` (from 1) and `per_page`, as in Cloudflare's list endpoints. */
export const PageQueryFields = {
  page: Type.Optional(Type.Integer({ minimum: 1, description: 'Page number, from 1 (default 1).' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Results per page.' })),
};

export const ApiErrorItemSchema = Type.Object({
  code: Type.Integer({ minimum: 1000 }),
  message: Type.String(),
  documentation_url: Type.Optional(Type.String()),
  source: Type.Optional(Type.Object({ pointer: Type.Optional(Type.String()) })),
  latchkey_code: Type.Optional(Type.String({ description: "Latchkey's stable error code." })),
});

export const ResultInfoSchema = Type.Object({
  page: Type.Integer(),
  per_page: Type.Integer(),
  count: Type.Integer(),
  total_count: Type.Integer(),
  total_pages: Type.Integer(),
});

const Messages = Type.Array(Type.Object({ code: Type.Integer(), message: Type.String() }));

/** The success envelope around `result` (for the OpenAPI document). */
export function SuccessEnvelopeSchema<T extends TSchema>(result: T, options: { paged?: boolean } = {}) {
  return Type.Object({
    success: Type.Literal(true),
    errors: Type.Array(ApiErrorItemSchema, { maxItems: 0 }),
    messages: Messages,
    result,
    ...(options.paged === true ? { result_info: ResultInfoSchema } : {}),
  });
}

export const FailureEnvelopeSchema = Type.Object({
  success: Type.Literal(false),
  errors: Type.Array(ApiErrorItemSchema, { minItems: 1 }),
  messages: Messages,
  result: Type.Null(),
});

/** `{id}`: the result of several deletes. */
export const IdResult = Type.Object({ id: Uuid });

/** Path parameter schemas. */
export const AccountParams = Type.Object({ account_id: Type.String({ minLength: 1 }) });
export function AccountAndIdParams<K extends string>(idName: K) {
  return Type.Object({
    account_id: Type.String({ minLength: 1 }),
    ...({ [idName]: Uuid } as { [P in K]: typeof Uuid }),
  });
}
