import type { StandardSchemaV1 } from '@palisade/core';
import { asSchema, type FlexibleSchema } from 'ai';

/**
 * Presents an AI SDK tool input schema (zod, any Standard Schema, `jsonSchema()`, a lazy schema) as
 * the Standard Schema `guard()` validates with, using the AI SDK's own validator so that a guarded
 * call accepts exactly what the AI SDK accepts.
 *
 * A `jsonSchema()` without a `validate` function carries no validator; the AI SDK then passes the
 * parsed JSON through, and so does this schema.
 */
export function toStandardSchema(
  schema: FlexibleSchema<unknown> | undefined,
): StandardSchemaV1<unknown, unknown> {
  // zod and every other Standard Schema: the AI SDK validates with `~standard.validate` itself
  // (zod's async parse is the same check), and calling it directly saves an async hop per call.
  if (isStandardSchema(schema)) return schema;
  const resolved = asSchema(schema);
  return {
    '~standard': {
      version: 1,
      vendor: 'ai-sdk',
      async validate(value) {
        if (typeof resolved.validate !== 'function') return { value };
        const result = await resolved.validate(value);
        if (result.success) return { value: result.value };
        return { issues: [{ message: result.error.message }] };
      },
    },
  };
}

/**
 * The tool context as the tool's `execute` receives it: validated (and possibly transformed) by the
 * tool's `contextSchema` when it has one, as the AI SDK does before executing, so that the approval
 * check reads the same context the execution will.
 */
export async function validatedToolContext(
  contextSchema: FlexibleSchema<unknown> | undefined,
  context: unknown,
): Promise<unknown> {
  if (contextSchema === undefined) return context;
  const schema = asSchema(contextSchema);
  if (typeof schema.validate !== 'function') return context;
  const result = await schema.validate(context);
  if (!result.success)
    throw new TypeError(`The tool context does not match the tool's contextSchema (${result.error.message})`);
  return result.value;
}

function isStandardSchema(schema: unknown): schema is StandardSchemaV1<unknown, unknown> {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    typeof (schema as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function' &&
    // An AI SDK `Schema` (from `jsonSchema()` or `zodSchema()`) carries its own validator.
    typeof (schema as { validate?: unknown }).validate !== 'function'
  );
}
