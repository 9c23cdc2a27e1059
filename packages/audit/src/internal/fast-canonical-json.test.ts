import { canonicalJson } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastCanonicalJson } from './fast-canonical-json.js';

describe('fastCanonicalJson', () => {
  it('produces exactly the text of core canonicalJson for any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on strings with escapes, lone surrogates, odd keys, -0, toJSON and undefined members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      }),
    );
    const odd = { '\ud800': '\udfff', 10: 'a', 9: 'b', é: -0, at: new Date(0), gone: undefined, q: '"\\\n' };
    expect(fastCanonicalJson(odd)).toBe(canonicalJson(odd));
  });

  it('throws a TypeError wherever canonicalJson throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      1n,
      () => 1,
      Symbol('s'),
      [undefined],
      cyclic,
      { a: [1, { b: 1n }] },
    ]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
      expect(() => fastCanonicalJson(bad)).toThrow(TypeError);
    }
    const shared = { x: 1 };
    expect(fastCanonicalJson({ a: shared, b: [shared] })).toBe(canonicalJson({ a: shared, b: [shared] }));
  });
});
