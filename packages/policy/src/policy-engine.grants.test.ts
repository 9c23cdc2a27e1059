import { StoreFullError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const policy = definePolicy({
  tools: {
    refund: { effect: 'write', target: 'payments', grant: 'required' },
    lookup_order: { effect: 'read' },
  },
  rules: [
    {
      id: 'support-users',
      effect: 'allow',
      tools: ['refund', 'lookup_order'],
      roles: ['support'],
      approval: 'none',
    },
    { id: 'standing-refunds', effect: 'allow', tools: ['refund'], agents: [SUPPORT_AGENT], approval: 'none' },
  ],
});

function setup() {
  let time = Date.UTC(2026, 10, 2, 9);
  const engine = createPolicyEngine({ policy, now: () => time, maxGrantTtlMs: 3_600_000 });
  return { engine, advance: (ms: number) => (time += ms) };
}

const refund = (amount: number, task = 'T-42') =>
  makeRequest({ name: 'refund', effect: 'write', input: { amount, order: 'O-7' }, task });

describe('task grants', () => {
  it('holds at most maxGrants in force: at the cap issue() refuses with a coded error until grants expire', () => {
    let time = Date.UTC(2026, 10, 2, 9);
    const engine = createPolicyEngine({ policy, now: () => time, maxGrants: 2 });
    const issue = (task: string, ttlMs: number) =>
      engine.grants.issue({ agent: SUPPORT_AGENT, task, tools: ['refund'], ttlMs, approval: 'none' });
    issue('T-1', 60_000);
    issue('T-2', 600_000);
    let caught: unknown;
    try {
      issue('T-3', 60_000);
    } catch (error) {
      caught = error;
    }
    expect(StoreFullError.isInstance(caught)).toBe(true);
    expect(engine.grants.list()).toHaveLength(2);
    // The refused grant gives nothing.
    expect(engine.decide(refund(20, 'T-3')).effect).toBe('deny');
    time += 61_000;
    issue('T-3', 60_000);
    expect(engine.decide(refund(20, 'T-3')).effect).toBe('allow');
    expect(
      engine.grants
        .list()
        .map((grant) => grant.task)
        .sort(),
    ).toEqual(['T-2', 'T-3']);
    expect(() => createPolicyEngine({ policy, maxGrants: 0 })).toThrow(TypeError);
  });

  it('gives a tool that requires a grant to the agent only for its task and constraints', () => {
    const { engine } = setup();
    // A standing rule is not enough for a tool that requires a grant.
    expect(engine.decide(refund(20)).effect).toBe('deny');
    const grant = engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      tools: ['refund'],
      when: { 'input.order': 'O-7', 'input.amount': { lte: 50 } },
      ttlMs: 600_000,
      approval: 'none',
    });
    const allowed = engine.decide(refund(20));
    expect(allowed).toMatchObject({
      effect: 'allow',
      ruleIds: ['support-users', 'standing-refunds', `grant:${grant.id}`],
    });
    expect(engine.decide(refund(80)).effect).toBe('deny');
    expect(engine.decide(refund(20, 'T-43')).effect).toBe('deny');
    expect(
      engine.decide({ ...refund(20), principal: { ...refund(20).principal, task: undefined } }).effect,
    ).toBe('deny');
  });

  it('expires on its own and can be revoked', () => {
    const { engine, advance } = setup();
    const first = engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      tools: ['refund'],
      ttlMs: 60_000,
    });
    // The grant's approval is auto, so this write still needs a human.
    expect(engine.decide(refund(5)).effect).toBe('approve');
    advance(60_000);
    expect(engine.decide(refund(5)).effect).toBe('deny');
    expect(engine.grants.list()).toEqual([]);
    expect(engine.grants.revoke(first.id)).toBe(false);

    const second = engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      tools: ['refund'],
      ttlMs: 60_000,
    });
    expect(engine.grants.list()).toEqual([second]);
    expect(engine.grants.revoke(second.id)).toBe(true);
    expect(engine.decide(refund(5)).effect).toBe('deny');
    engine.grants.issue({ agent: SUPPORT_AGENT, task: 'T-42', tools: ['refund'], ttlMs: 60_000 });
    engine.grants.issue({ agent: SUPPORT_AGENT, task: 'T-42', tools: ['refund'], ttlMs: 60_000 });
    expect(engine.grants.revokeTask('T-42')).toBe(2);
    expect(engine.decide(refund(5)).effect).toBe('deny');
  });

  it('never lends the user permission unless it names the user', () => {
    const { engine } = setup();
    const outsider = { id: 'mallory', roles: ['guest'] };
    engine.grants.issue({ agent: SUPPORT_AGENT, task: 'T-42', tools: ['lookup_order'], ttlMs: 60_000 });
    const request = makeRequest({ name: 'lookup_order', task: 'T-42', user: outsider });
    expect(engine.decide(request).effect).toBe('deny');
    engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      tools: ['lookup_order'],
      user: 'mallory',
      ttlMs: 60_000,
    });
    expect(engine.decide(request).effect).toBe('allow');
  });

  it('validates what it issues', () => {
    const { engine } = setup();
    const base = { agent: SUPPORT_AGENT, task: 'T-1', tools: ['refund'], ttlMs: 1000 };
    expect(() => engine.grants.issue({ ...base, tools: ['wire_money'] })).toThrow(
      /not a tool of the catalog/,
    );
    expect(() => engine.grants.issue({ ...base, ttlMs: 7_200_000 })).toThrow(/exceeds the maximum/);
    expect(() => engine.grants.issue({ ...base, ttlMs: undefined })).toThrow(
      /exactly one of ttlMs and expiresAt/,
    );
    expect(() => engine.grants.issue({ ...base, when: { 'input.amount': { above: 5 } } as never })).toThrow(
      /unknown comparison/,
    );
    expect(() => engine.grants.issue({ ...base, when: { predicate: 'nope' } })).toThrow(/predicate "nope"/);
    expect(engine.grants.list()).toEqual([]);
  });

  it('explains which grant matched', () => {
    const { engine } = setup();
    const grant = engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      tools: ['refund'],
      ttlMs: 60_000,
    });
    const explanation = engine.explain(refund(5));
    expect(explanation.rules.find((rule) => rule.grant === grant.id)).toMatchObject({
      matched: true,
      grants: ['agent'],
    });
    expect(explanation.rules.find((rule) => rule.id === 'standing-refunds')?.detail).toContain(
      'needs a task grant',
    );
  });
});
