import { canonicalJson } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastCanonicalJson } from './fast-canonical-json.js';

/** The same value with every object's keys in canonical order, so the fast path is taken. */
function sorted(value: unknown): unknown {
  return JSON.parse(canonicalJson(value)) as unknown;
}

describe('fastCanonicalJson', () => {
  it('produces exactly the text of core canonicalJson for any JSON value, sorted or not (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
        const ordered = sorted(value);
        expect(fastCanonicalJson(ordered)).toBe(canonicalJson(ordered));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on escapes, lone surrogates, integer-like keys, -0, toJSON, undefined members and odd prototypes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
        expect(fastCanonicalJson(sorted(value))).toBe(canonicalJson(value));
      }),
    );
    const odd = { '\ud800': '\udfff', 10: 'a', 9: 'b', é: -0, at: new Date(0), gone: undefined, q: '"\\\n' };
    expect(fastCanonicalJson(odd)).toBe(canonicalJson(odd));
    // JSON.stringify would unwrap a boxed string; canonicalJson does not.
    const boxed = { a: Object('text') as unknown };
    expect(fastCanonicalJson(boxed)).toBe(canonicalJson(boxed));
    const bare = Object.assign(Object.create(null) as object, { a: 1, b: [true, null] });
    expect(fastCanonicalJson(bare)).toBe('{"a":1,"b":[true,null]}');
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
      { f: () => 1 },
    ]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
      expect(() => fastCanonicalJson(bad)).toThrow(TypeError);
    }
    const shared = { x: 1 };
    expect(fastCanonicalJson({ a: shared, b: [shared] })).toBe(canonicalJson({ a: shared, b: [shared] }));
  });
});
