import { describe, expect, it } from 'vitest';
import { actionDigest } from './action-digest.js';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and drops white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[true,null]},"b":1}',
    );
    // RFC 8785 section 3.2.3: "\u20ac" sorts after "\r" and "1", and code-unit order puts the
    // surrogate pair of U+1F600 before U+FB33.
    expect(canonicalJson({ '\u20ac': 0, '\r': 1, '1': 2, '\ud83d\ude00': 3, '\ufb33': 4 })).toBe(
      '{"\\r":1,"1":2,"\u20ac":0,"\ud83d\ude00":3,"\ufb33":4}',
    );
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('serialises numbers in shortest ECMAScript form (RFC 8785 appendix B samples)', () => {
    expect(
      canonicalJson(JSON.parse('[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]')),
    ).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27]');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(9007199254740991)).toBe('9007199254740991');
  });

  it('escapes strings like JSON.stringify', () => {
    expect(canonicalJson('\u2028"\\\n\u0001')).toBe('"\u2028\\"\\\\\\n\\u0001"');
  });

  it('refuses values JSON cannot represent, naming where', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/non-finite number at \$\.a\[1\]/);
    expect(() => canonicalJson({ a: 10n })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(/undefined at \$\[0\]/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle at \$\.self/);
  });

  it('omits undefined members and honours toJSON', () => {
    expect(canonicalJson({ a: undefined, b: new Date(0) })).toBe('{"b":"1970-01-01T00:00:00.000Z"}');
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('actionDigest', () => {
  const base = {
    tool: 'refund',
    input: { amount: 500, order: 'A-1' },
    agent: 'spiffe://acme/agent/a',
    user: 'u1',
  };

  it('is stable under key order', () => {
    expect(actionDigest(base)).toBe(actionDigest({ ...base, input: { order: 'A-1', amount: 500 } }));
    expect(actionDigest(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when any bound part changes', () => {
    const digest = actionDigest(base);
    expect(actionDigest({ ...base, tool: 'refund2' })).not.toBe(digest);
    expect(actionDigest({ ...base, input: { amount: 501, order: 'A-1' } })).not.toBe(digest);
    expect(actionDigest({ ...base, agent: 'spiffe://acme/agent/b' })).not.toBe(digest);
    expect(actionDigest({ ...base, user: 'u2' })).not.toBe(digest);
    expect(actionDigest({ ...base, audience: 'prod' })).not.toBe(digest);
    expect(actionDigest({ ...base, user: undefined })).not.toBe(digest);
  });
});
