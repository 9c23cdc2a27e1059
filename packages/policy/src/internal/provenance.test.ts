import type { RequestContext } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { compileProvenance } from './provenance.js';

const context = (userMessages: string[], sources: Record<string, unknown> = {}): RequestContext => ({
  time: 0,
  labels: [],
  userMessages,
  attributes: { sources },
});

describe('compileProvenance', () => {
  const sources = { directory: { trusted: true, values: ['billing@acme.example'] }, web: { trusted: false } };
  const user = compileProvenance(['user'], sources);

  it('accepts a value the user wrote, whatever its case', () => {
    expect(user('Bob@Customer.example', context(['mail bob@customer.example please.']))).toBe(true);
    expect(user(250, context(['refund 250 for order 7']))).toBe(true);
  });

  it('refuses a value that only occurs inside a longer token', () => {
    expect(user('bob@customer.example', context(['write to alice.bob@customer.example']))).toBe(false);
    expect(user('bob@customer.example', context(['bob@customer.example.evil.io']))).toBe(false);
    expect(user('100', context(['refund 1000']))).toBe(false);
    expect(user('https://a.example', context(['see https://a.example/path']))).toBe(false);
  });

  it('accepts trusted sources, static and per call, but not untrusted ones', () => {
    expect(user('billing@acme.example', context([]))).toBe(true);
    expect(
      compileProvenance(['user'], { crm: { trusted: true } })(
        'x@y.example',
        context([], { crm: ['X@y.example'] }),
      ),
    ).toBe(true);
    expect(user('evil@web.example', context([], { web: ['evil@web.example'] }))).toBe(false);
    expect(
      compileProvenance(['web'], sources)('evil@web.example', context([], { web: ['evil@web.example'] })),
    ).toBe(true);
  });

  it('needs every item of an array and never accepts empty or non-text values', () => {
    const messages = context(['cc a@x.example and b@x.example']);
    expect(user(['a@x.example', 'b@x.example'], messages)).toBe(true);
    expect(user(['a@x.example', 'c@x.example'], messages)).toBe(false);
    expect(user([], messages)).toBe(false);
    expect(user('', context(['']))).toBe(false);
    expect(user({ to: 'a@x.example' }, messages)).toBe(false);
  });

  it('finds whole values at boundaries', () => {
    expect(user('bob@x.example', context(['to:bob@x.example']))).toBe(true);
    expect(user('bob@x.example', context(['(bob@x.example)']))).toBe(true);
    expect(user('bob@x.example', context(['bob@x.example:25']))).toBe(false);
  });
});
