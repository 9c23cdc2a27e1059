import { describe, expect, it } from 'vitest';
import type { Condition } from '../policy-document.js';
import type { PolicyFacts } from '../policy-facts.js';
import { makeRequest } from '../test-support/requests.js';
import { compileCondition, type Truth } from './condition.js';

function factsFor(input: unknown, context: Parameters<typeof makeRequest>[0]['context'] = {}): PolicyFacts {
  const request = makeRequest({ name: 'refund', effect: 'write', input, context });
  return {
    input: request.input,
    principal: request.principal,
    resource: { name: 'refund', kind: 'tool', effect: 'write', target: 'payments', sensitivity: 'high' },
    context: request.context,
    request,
  };
}

const environment = { predicates: new Map(), sources: {} };
const holds = (condition: Condition, facts: PolicyFacts): Truth => {
  const compiled = compileCondition(condition, environment);
  const fast = compiled.evaluate(facts);
  expect(compiled.explain(facts).result).toBe(fast);
  return fast;
};

describe('compileCondition', () => {
  const facts = factsFor(
    {
      amount: 150,
      currency: 'EUR',
      tenant: 't1',
      to: 'bob@acme.example',
      tags: ['vip', 'eu'],
      items: [{ sku: 'A-1' }],
    },
    { labels: ['tainted'], risk: 0.4 },
  );

  it.each<[string, Condition, Truth]>([
    ['eq', { 'input.currency': { eq: 'EUR' } }, 'true'],
    ['scalar shorthand', { 'input.currency': 'USD' }, 'false'],
    ['ne', { 'input.currency': { ne: 'USD' } }, 'true'],
    ['in', { 'input.currency': { in: ['EUR', 'GBP'] } }, 'true'],
    ['notIn', { 'input.currency': { notIn: ['EUR'] } }, 'false'],
    ['gt', { 'input.amount': { gt: 100 } }, 'true'],
    ['gte', { 'input.amount': { gte: 150 } }, 'true'],
    ['lt', { 'input.amount': { lt: 150 } }, 'false'],
    ['lte with range', { 'input.amount': { gt: 100, lte: 200 } }, 'true'],
    ['startsWith', { 'input.to': { startsWith: 'bob@' } }, 'true'],
    ['endsWith', { 'input.to': { endsWith: '@acme.example' } }, 'true'],
    ['contains on a string', { 'input.to': { contains: '@acme' } }, 'true'],
    ['contains on a list', { 'context.labels': { contains: 'tainted' } }, 'true'],
    ['matches a glob', { 'input.to': { matches: '*@acme.example' } }, 'true'],
    ['matches one of several', { 'input.to': { matches: ['*@evil.example', 'bob@*'] } }, 'true'],
    ['exists', { 'input.currency': { exists: true } }, 'true'],
    ['exists false', { 'input.note': { exists: false } }, 'true'],
    ['array index', { 'input.items[0].sku': 'A-1' }, 'true'],
    ['quoted key', { 'input["currency"]': 'EUR' }, 'true'],
    ['reference', { 'input.tenant': { eq: { ref: 'principal.user.tenant' } } }, 'true'],
    ['reference to a list', { 'input.currency': { in: { ref: 'input.tags' } } }, 'false'],
    ['resource', { 'resource.sensitivity': { in: ['high', 'critical'] } }, 'true'],
    ['context risk', { 'context.risk': { gte: 0.5 } }, 'false'],
    ['all', { all: [{ 'input.amount': { gt: 1 } }, { 'input.currency': 'EUR' }] }, 'true'],
    ['any', { any: [{ 'input.amount': { gt: 1000 } }, { 'input.currency': 'EUR' }] }, 'true'],
    ['not', { not: { 'input.currency': 'EUR' } }, 'false'],
    ['type mismatch is unknown', { 'input.currency': { gt: 5 } }, 'unknown'],
    ['string order', { 'input.currency': { gt: 'ABC' } }, 'true'],
  ])('%s', (_, condition, expected) => {
    expect(holds(condition, facts)).toBe(expected);
  });

  it('leaves every test on a missing value unknown, except exists, which is always known', () => {
    const empty = factsFor({});
    for (const operator of [
      'eq',
      'ne',
      'in',
      'notIn',
      'gt',
      'gte',
      'lt',
      'lte',
      'startsWith',
      'endsWith',
      'contains',
    ]) {
      const operand = operator === 'in' || operator === 'notIn' ? ['x'] : 'x';
      expect(holds({ 'input.missing': { [operator]: operand } }, empty)).toBe('unknown');
      expect(holds({ not: { 'input.missing': { [operator]: operand } } }, empty)).toBe('unknown');
    }
    expect(holds({ 'input.missing': { matches: '*' } }, empty)).toBe('unknown');
    expect(holds({ 'input.missing': { providedBy: 'user' } }, empty)).toBe('unknown');
    expect(holds({ 'input.missing': { exists: false } }, empty)).toBe('true');
    expect(holds({ 'input.missing': { exists: true } }, empty)).toBe('false');
    expect(holds({ not: { 'input.missing': { exists: true } } }, empty)).toBe('true');
  });

  it('never treats two missing values as equal through a reference', () => {
    const anonymous = { ...factsFor({}), principal: { ...factsFor({}).principal, user: undefined } };
    expect(holds({ 'input.tenant': { eq: { ref: 'principal.user.tenant' } } }, anonymous)).toBe('unknown');
    expect(holds({ not: { 'input.tenant': { eq: { ref: 'principal.user.tenant' } } } }, anonymous)).toBe(
      'unknown',
    );
  });

  it('does not follow inherited properties', () => {
    expect(() => compileCondition({ 'input.constructor': { exists: true } }, environment)).toThrow(
      /reserved/,
    );
    expect(holds({ 'input.toString': { exists: true } }, factsFor({}))).toBe('false');
  });

  it('explains the failing test with the kind of value it saw, never the value', () => {
    const compiled = compileCondition({ 'input.amount': { gt: 100 }, 'input.currency': 'USD' }, environment);
    expect(compiled.explain(facts)).toEqual({
      result: 'false',
      detail: 'input.currency eq "USD" is false (value a string of 3 characters)',
    });
    const reference = compileCondition(
      { 'input.tenant': { ne: { ref: 'principal.user.tenant' } } },
      environment,
    );
    expect(reference.explain(facts).detail).toBe(
      'input.tenant ne principal.user.tenant (a string of 2 characters) is false (value a string of 2 characters)',
    );
  });

  it('runs named predicates with the typed facts', () => {
    const compiled = compileCondition(
      { predicate: 'eur-only' },
      {
        predicates: new Map([
          ['eur-only', (f: PolicyFacts) => (f.input as { currency: string }).currency === 'EUR'],
        ]),
        sources: {},
      },
    );
    expect(compiled.evaluate(facts)).toBe('true');
    expect(compiled.explain(facts).detail).toBe('predicate eur-only is true');
  });
  it('does not let not turn a missing or mistyped value into a pass', () => {
    const over = { not: { 'input.amount': { gt: 1000 } } };
    expect(holds(over, factsFor({}))).toBe('unknown');
    expect(holds(over, factsFor({ amount: '5000' }))).toBe('unknown');
    expect(holds(over, factsFor({ amount: null }))).toBe('unknown');
    expect(holds(over, factsFor({ amount: 500 }))).toBe('true');
    expect(holds(over, factsFor({ amount: 5000 }))).toBe('false');
  });

  it.each<[string, Condition, unknown, Truth]>([
    ['startsWith on a number', { 'input.v': { startsWith: '1' } }, 12, 'unknown'],
    ['endsWith on a list', { 'input.v': { endsWith: 'x' } }, ['x'], 'unknown'],
    ['contains on a number', { 'input.v': { contains: 'x' } }, 5, 'unknown'],
    ['contains a number in a string', { 'input.v': { contains: 5 } }, '555', 'unknown'],
    ['matches on a number', { 'input.v': { matches: '*' } }, 5, 'unknown'],
    ['gt on a boolean', { 'input.v': { gt: 0 } }, true, 'unknown'],
    ['gt on a non-finite number', { 'input.v': { gt: 0 } }, Number.POSITIVE_INFINITY, 'unknown'],
    ['providedBy on an object', { 'input.v': { providedBy: 'user' } }, { a: 1 }, 'unknown'],
    ['providedBy on an empty list', { 'input.v': { providedBy: 'user' } }, [], 'unknown'],
    ['providedBy on an untraced string', { 'input.v': { providedBy: 'user' } }, 'bob', 'false'],
    ['eq across types stays known', { 'input.v': { eq: 5 } }, '5', 'false'],
    ['ne across types stays known', { 'input.v': { ne: 5 } }, '5', 'true'],
    ['in on null stays known', { 'input.v': { in: ['a'] } }, null, 'false'],
  ])('%s', (_, condition, value, expected) => {
    expect(holds(condition, factsFor({ v: value }))).toBe(expected);
  });

  it('combines unknown with Kleene logic in all, any and several comparisons on one path', () => {
    const facts = factsFor({ amount: 10 });
    const yes = { 'input.amount': { gt: 1 } };
    const no = { 'input.amount': { gt: 100 } };
    const unknown = { 'input.missing': { gt: 1 } };
    expect(holds({ all: [yes, unknown] }, facts)).toBe('unknown');
    expect(holds({ all: [unknown, no] }, facts)).toBe('false');
    expect(holds({ all: [yes, yes] }, facts)).toBe('true');
    expect(holds({ any: [no, unknown] }, facts)).toBe('unknown');
    expect(holds({ any: [unknown, yes] }, facts)).toBe('true');
    expect(holds({ any: [no, no] }, facts)).toBe('false');
    expect(holds({ not: { all: [yes, unknown] } }, facts)).toBe('unknown');
    expect(holds({ ...yes, 'input.missing': { gt: 1 } }, facts)).toBe('unknown');
    expect(holds({ 'input.amount': { gt: 1, lt: { ref: 'input.missing' } } }, facts)).toBe('unknown');
    expect(holds({ 'input.amount': { lt: { ref: 'input.missing' }, gt: 100 } }, facts)).toBe('false');
  });

  it('explains an unknown result with the kind of value it saw, never the value', () => {
    const missing = compileCondition({ not: { 'input.amount': { gt: 1000 } } }, environment);
    expect(missing.explain(factsFor({}))).toEqual({
      result: 'unknown',
      detail: 'not (input.amount gt 1000 is unknown (value missing))',
    });
    const mistyped = compileCondition({ 'input.amount': { gt: 1000 } }, environment);
    expect(mistyped.explain(factsFor({ amount: '5000' }))).toEqual({
      result: 'unknown',
      detail: 'input.amount gt 1000 is unknown (value a string of 4 characters cannot be compared)',
    });
    const reference = compileCondition(
      { 'input.amount': { lt: { ref: 'context.attributes.cap' } } },
      environment,
    );
    expect(reference.explain(factsFor({ amount: 5 })).detail).toBe(
      'input.amount lt context.attributes.cap (missing) is unknown (value a number, operand missing)',
    );
  });
});
