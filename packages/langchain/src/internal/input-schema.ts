import { interopSafeParseAsync, isInteropZodSchema } from '@langchain/core/utils/types';
import type { StandardSchemaV1 } from '@palisade/core';
import { jsonSchemaToStandard } from './json-schema.js';

/**
 * The Standard Schema that validates a LangChain tool's input before Palisade decides on it.
 *
 * - a Standard Schema (zod 4, zod 3.24+, valibot, ...) is used as is;
 * - an older zod schema goes through `@langchain/core`'s zod interop;
 * - a JSON Schema object is validated the way `@langchain/core` validates JSON-schema tools.
 *
 * Anything else cannot be validated, so it is refused (`TypeError`) rather than let through.
 */
export function toInputSchema(schema: unknown, toolName: string): StandardSchemaV1 {
  if (isStandardSchema(schema)) return schema;
  if (isInteropZodSchema(schema)) return zodInteropSchema(schema);
  if (isJsonSchemaObject(schema)) return jsonSchemaToStandard(schema);
  throw new TypeError(
    `"${toolName}" has no input schema Palisade can validate (expected a Standard Schema such as zod, or a JSON Schema object); pass one in options.schemas`,
  );
}

/** True for a Standard Schema v1 value. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return props?.version === 1 && typeof props.validate === 'function';
}

function isJsonSchemaObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function zodInteropSchema(schema: Parameters<typeof interopSafeParseAsync>[0]): StandardSchemaV1 {
  return {
    '~standard': {
      version: 1,
      vendor: 'zod',
      async validate(value) {
        const result = await interopSafeParseAsync(schema, value);
        if (result.success) return { value: result.data };
        const issues =
          (result.error as { issues?: { message: string; path?: PropertyKey[] }[] }).issues ?? [];
        return {
          issues:
            issues.length > 0
              ? issues.map((issue) => ({ message: issue.message, path: issue.path }))
              : [{ message: String(result.error) }],
        };
      },
    },
  };
}
