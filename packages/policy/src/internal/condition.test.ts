import { describe, expect, it } from 'vitest';
import type { Condition } from '../policy-document.js';
import type { PolicyFacts } from '../policy-facts.js';
import { makeRequest } from '../test-support/requests.js';
import { compileCondition } from './condition.js';

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
const holds = (condition: Condition, facts: PolicyFacts) => {
  const compiled = compileCondition(condition, environment);
  const fast = compiled.test(facts);
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

  it.each<[string, Condition, boolean]>([
    ['eq', { 'input.currency': { eq: 'EUR' } }, true],
    ['scalar shorthand', { 'input.currency': 'USD' }, false],
    ['ne', { 'input.currency': { ne: 'USD' } }, true],
    ['in', { 'input.currency': { in: ['EUR', 'GBP'] } }, true],
    ['notIn', { 'input.currency': { notIn: ['EUR'] } }, false],
    ['gt', { 'input.amount': { gt: 100 } }, true],
    ['gte', { 'input.amount': { gte: 150 } }, true],
    ['lt', { 'input.amount': { lt: 150 } }, false],
    ['lte with range', { 'input.amount': { gt: 100, lte: 200 } }, true],
    ['startsWith', { 'input.to': { startsWith: 'bob@' } }, true],
    ['endsWith', { 'input.to': { endsWith: '@acme.example' } }, true],
    ['contains on a string', { 'input.to': { contains: '@acme' } }, true],
    ['contains on a list', { 'context.labels': { contains: 'tainted' } }, true],
    ['matches a glob', { 'input.to': { matches: '*@acme.example' } }, true],
    ['matches one of several', { 'input.to': { matches: ['*@evil.example', 'bob@*'] } }, true],
    ['exists', { 'input.currency': { exists: true } }, true],
    ['exists false', { 'input.note': { exists: false } }, true],
    ['array index', { 'input.items[0].sku': 'A-1' }, true],
    ['quoted key', { 'input["currency"]': 'EUR' }, true],
    ['reference', { 'input.tenant': { eq: { ref: 'principal.user.tenant' } } }, true],
    ['reference to a list', { 'input.currency': { in: { ref: 'input.tags' } } }, false],
    ['resource', { 'resource.sensitivity': { in: ['high', 'critical'] } }, true],
    ['context risk', { 'context.risk': { gte: 0.5 } }, false],
    ['all', { all: [{ 'input.amount': { gt: 1 } }, { 'input.currency': 'EUR' }] }, true],
    ['any', { any: [{ 'input.amount': { gt: 1000 } }, { 'input.currency': 'EUR' }] }, true],
    ['not', { not: { 'input.currency': 'EUR' } }, false],
    ['type mismatch is false', { 'input.currency': { gt: 5 } }, false],
    ['string order', { 'input.currency': { gt: 'ABC' } }, true],
  ])('%s', (_, condition, expected) => {
    expect(holds(condition, facts)).toBe(expected);
  });

  it('fails every test on a missing value except exists: false', () => {
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
      expect(holds({ 'input.missing': { [operator]: operand } }, empty)).toBe(false);
    }
    expect(holds({ 'input.missing': { matches: '*' } }, empty)).toBe(false);
    expect(holds({ 'input.missing': { exists: false } }, empty)).toBe(true);
  });

  it('never treats two missing values as equal through a reference', () => {
    const anonymous = { ...factsFor({}), principal: { ...factsFor({}).principal, user: undefined } };
    expect(holds({ 'input.tenant': { eq: { ref: 'principal.user.tenant' } } }, anonymous)).toBe(false);
  });

  it('does not follow inherited properties', () => {
    expect(() => compileCondition({ 'input.constructor': { exists: true } }, environment)).toThrow(
      /reserved/,
    );
    expect(holds({ 'input.toString': { exists: true } }, factsFor({}))).toBe(false);
  });

  it('explains the failing test with the value it saw', () => {
    const compiled = compileCondition({ 'input.amount': { gt: 100 }, 'input.currency': 'USD' }, environment);
    expect(compiled.explain(facts)).toEqual({
      result: false,
      detail: 'input.currency eq "USD" is false (value "EUR")',
    });
    const reference = compileCondition(
      { 'input.tenant': { ne: { ref: 'principal.user.tenant' } } },
      environment,
    );
    expect(reference.explain(facts).detail).toBe(
      'input.tenant ne principal.user.tenant ("t1") is false (value "t1")',
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
    expect(compiled.test(facts)).toBe(true);
    expect(compiled.explain(facts).detail).toBe('predicate eur-only is true');
  });
});
