/**
 * Request parsing and validation with the API's TypeBox schemas (shared/src/api): the JSON body parser
 * (an empty body is "no body", so a bare POST works), and the validator compiler, which checks each
 * part against the route's schema and fails with shared's pointer-precise LatchkeyError. Query strings
 * are converted first (`page=2` → 2; a single `ips=a` → ["a"]); bodies are never coerced.
 */
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { LatchkeyError, checkAgainstSchema, convertAndCheckQuery, findSchemaProblem } from '@latchkey/shared';

export function installRequestValidation(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch (error) {
      done(
        new LatchkeyError(
          'invalid_argument',
          `the request body is not valid JSON: ${(error as Error).message}`,
          {
            cause: error,
          },
        ),
        undefined,
      );
    }
  });

  app.setValidatorCompiler(({ schema, httpPart }) => {
    const typed = schema as TSchema;
    return (data: unknown) => {
      try {
        switch (httpPart) {
          case 'querystring':
            return { value: convertAndCheckQuery(typed, data) };
          case 'params':
            return { value: checkAgainstSchema(typed, Value.Convert(typed, data), { part: 'params' }) };
          case 'body': {
            if (data === null || data === undefined) {
              // No body: fine when the schema accepts an empty object (all fields optional).
              if (findSchemaProblem(typed, {}) === undefined) return { value: {} };
              throw new LatchkeyError('invalid_argument', 'request body: a JSON body is required', {
                pointer: '',
              });
            }
            return { value: checkAgainstSchema(typed, data) };
          }
          default:
            return { value: data };
        }
      } catch (error) {
        return { error: error as Error };
      }
    };
  });

  // Responses are built from the presenters and serialised as they are; the response schemas are
  // documentation (OpenAPI), not a second serialiser that could drop or reshape fields.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
