import { describe, expect, it } from 'vitest';
import { jsonSchemaToStandard } from './json-schema.js';

describe('jsonSchemaToStandard', () => {
  const schema = jsonSchemaToStandard({
    type: 'object',
    properties: {
      items: { type: 'array', items: { type: 'object', properties: { 'a/b': { type: 'number' } } } },
    },
    required: ['items'],
  });

  it('returns a valid value unchanged', async () => {
    const value = { items: [{ 'a/b': 1 }], extra: true };
    expect(await schema['~standard'].validate(value)).toEqual({ value });
  });

  it('reports the innermost failures with their paths', async () => {
    const result = await schema['~standard'].validate({ items: [{ 'a/b': 'x' }] });
    expect(result.issues).toEqual([
      { message: expect.stringContaining('Instance type "string" is invalid'), path: ['items', 0, 'a/b'] },
    ]);
    const missing = await schema['~standard'].validate({});
    expect(missing.issues?.[0]?.message).toMatch(/required property "items"/);
  });
});
