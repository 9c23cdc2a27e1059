import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFieldRedactor, REDACTED } from './field-redactor.js';

const context = { tool: 't', field: 'input' } as const;

describe('createFieldRedactor', () => {
  it('redacts exact paths, array elements, one-level and any-depth wildcards', () => {
    const redactor = createFieldRedactor(['card.number', 'items[*].iban', 'meta.*.token', '**.password']);
    const value = {
      card: { number: '4111', brand: 'visa' },
      items: [{ iban: 'DE89', amount: 1 }, { iban: 'FR76' }],
      meta: { a: { token: 's1', keep: 1 }, b: { token: 's2' } },
      deep: { x: [{ password: 'p' }], password: 'q' },
      password: 'top',
    };
    expect(redactor.redact(value, context)).toEqual({
      card: { number: REDACTED, brand: 'visa' },
      items: [{ iban: REDACTED, amount: 1 }, { iban: REDACTED }],
      meta: { a: { token: REDACTED, keep: 1 }, b: { token: REDACTED } },
      deep: { x: [{ password: REDACTED }], password: REDACTED },
      password: REDACTED,
    });
    expect(createFieldRedactor(['items[1]']).redact({ items: ['a', 'b', 'c'] }, context)).toEqual({
      items: ['a', REDACTED, 'c'],
    });
  });

  it('leaves the original untouched and handles cycles, dates and primitives', () => {
    const redactor = createFieldRedactor(['**.secret']);
    const cyclic: Record<string, unknown> = { secret: 's' };
    cyclic.self = cyclic;
    expect(redactor.redact(cyclic, context)).toEqual({ secret: REDACTED, self: '[Circular]' });
    expect(cyclic.secret).toBe('s');
    expect(redactor.redact({ at: new Date(0) }, context)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(redactor.redact('plain', context)).toBe('plain');
  });

  it('rejects paths that name nothing or everything', () => {
    expect(() => createFieldRedactor([''])).toThrow(/paths\[0\]/);
    expect(() => createFieldRedactor(['a', '...'])).toThrow(/paths\[1\] names no field/);
    expect(() => createFieldRedactor(['a.**'])).toThrow(/cannot end with/);
    expect(() => createFieldRedactor('a' as never)).toThrow(/array/);
  });

  it('never lets a redacted field through, whatever the surrounding data (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 1 }), (noise, secret) => {
        const value = { noise, nested: [{ noise, password: secret }], password: secret };
        const redacted = createFieldRedactor(['**.password']).redact(value, context) as typeof value;
        expect(redacted.password).toBe(REDACTED);
        expect(redacted.nested[0]!.password).toBe(REDACTED);
      }),
    );
  });
});
