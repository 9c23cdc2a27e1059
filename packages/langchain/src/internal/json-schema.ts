import { Validator } from '@langchain/core/utils/json_schema';
import type { StandardSchemaV1 } from '@palisade/core';

/**
 * Turns a JSON Schema into a Standard Schema, validated by the same validator `@langchain/core`
 * applies to JSON-schema tools (`@cfworker/json-schema`). JSON Schema does not transform, so a
 * valid value is returned unchanged: the decided input is exactly what the model sent.
 */
export function jsonSchemaToStandard(schema: Record<string, unknown>): StandardSchemaV1 {
  // `@cfworker/json-schema` compiles lazily; one validator per schema is reused for every call.
  const validator = new Validator(schema as ConstructorParameters<typeof Validator>[0], '2019-09', false);
  return {
    '~standard': {
      version: 1,
      vendor: 'json-schema',
      validate(value) {
        const result = validator.validate(value);
        if (result.valid) return { value };
        // The validator reports each failing keyword and every enclosing one ("does not match
        // schema"); the innermost failures are the ones that say what is wrong.
        const innermost = result.errors.filter(
          (error) =>
            !result.errors.some(
              (other) => other !== error && other.keywordLocation.startsWith(`${error.keywordLocation}/`),
            ),
        );
        return {
          issues: innermost.map((error) => ({
            message: `${error.error} (${error.keywordLocation})`,
            path: pointerToPath(error.instanceLocation),
          })),
        };
      },
    },
  };
}

/** `#/items/2/amount` -> `['items', 2, 'amount']` (RFC 6901 unescaping). */
function pointerToPath(pointer: string): PropertyKey[] {
  const body = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (body === '' || body === '/') return [];
  return body
    .split('/')
    .slice(1)
    .map((segment) => {
      const key = decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~');
      return /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
    });
}
