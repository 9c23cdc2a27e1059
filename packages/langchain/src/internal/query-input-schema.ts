import type { StandardSchemaV1 } from '@palisade/core';

/** The input of a guarded retrieval: `{ query: string }`. */
export const queryInputSchema: StandardSchemaV1<unknown, { query: string }> = {
  '~standard': {
    version: 1,
    vendor: 'palisade',
    validate(value) {
      if (
        typeof value !== 'object' ||
        value === null ||
        typeof (value as { query?: unknown }).query !== 'string'
      ) {
        return { issues: [{ message: 'Expected a string query', path: ['query'] }] };
      }
      return { value: { query: (value as { query: string }).query } };
    },
  },
};
