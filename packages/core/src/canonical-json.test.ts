import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionDigest } from './action-digest.js';
import { canonicalJson } from './canonical-json.js';

/** RFC 8785 written the plain way (path strings, map and join), to hold the real one to. */
function referenceJson(value: unknown, where = '$', seen = new Set<object>()): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where}`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object')
    throw new TypeError(`canonicalJson: ${typeof value} is not JSON at ${where}`);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return referenceJson(toJSON.call(value), where, seen);
  if (seen.has(value)) throw new TypeError(`canonicalJson: cycle at ${where}`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value
        .map((item: unknown, index) => {
          if (item === undefined) throw new TypeError(`canonicalJson: undefined at ${where}[${index}]`);
          return referenceJson(item, `${where}[${index}]`, seen);
        })
        .join(',')}]`;
    }
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${referenceJson(record[key], `${where}.${key}`, seen)}`);
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/** The outcome of a serialiser: its text, or the message of the TypeError it threw. */
function outcome(serialize: (value: unknown) => string, value: unknown): string {
  try {
    return `ok ${serialize(value)}`;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return `TypeError ${error.message}`;
  }
}

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

  it('produces the text of a plain reference implementation for any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(referenceJson(value));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), (value) => {
        expect(canonicalJson(value)).toBe(referenceJson(value));
      }),
    );
  });

  it('throws the same TypeError, at the same path, as the reference for values JSON cannot hold (property)', () => {
    // JSON trees with things JSON cannot represent mixed in, anywhere.
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.constantFrom<unknown>(undefined, Number.NaN, Number.POSITIVE_INFINITY, 1n, Symbol('s'), () => 1),
        fc.constant(new Date(0)),
        fc.array(tie('tree')),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('tree')),
      ),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        expect(outcome(canonicalJson, value)).toBe(outcome(referenceJson, value));
      }),
      { numRuns: 1000 },
    );
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
