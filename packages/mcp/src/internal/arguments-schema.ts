import type { StandardSchemaV1 } from '@palisade/core';

/** The arguments of an MCP tool call: a JSON object. */
export type ToolArguments = Record<string, unknown>;

/**
 * The input schema of a tool whose real schema lives elsewhere (on the server, or already applied by
 * the MCP SDK): it accepts a plain object, treats absent arguments as `{}` and refuses anything else.
 */
export const argumentsSchema: StandardSchemaV1<unknown, ToolArguments> = Object.freeze({
  '~standard': Object.freeze({
    version: 1 as const,
    vendor: 'palisade-mcp',
    validate(value: unknown): StandardSchemaV1.Result<ToolArguments> {
      if (value === undefined) return { value: {} };
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return { value: value as ToolArguments };
      }
      return { issues: [{ message: 'Tool arguments must be an object' }] };
    },
  }),
});
