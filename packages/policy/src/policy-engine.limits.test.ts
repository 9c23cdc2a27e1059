import type { ActionRequest, CounterStore, Decision } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { LimitExceededError } from './limit-exceeded-error.js';
import { createMemoryCounterStore } from './memory-counter-store.js';
import { createPolicyEngine, type PolicyEngine } from './policy-engine.js';
import { PolicyError } from './policy-error.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const policy = definePolicy({
  tools: { refund: { effect: 'write' }, lookup: { effect: 'read' } },
  rules: [
    {
      id: 'support',
      effect: 'allow',
      tools: ['refund', 'lookup'],
      agents: [SUPPORT_AGENT],
      roles: ['support'],
      approval: 'none',
    },
  ],
  limits: [
    { id: 'lookups-per-minute', tools: ['lookup'], per: ['agent', 'user'], window: '1m', max: 3 },
    { id: 'money-per-day', tools: ['refund'], per: ['user'], window: '1d', max: 500, sum: 'input.amount' },
  ],
  breaker: { denials: 3, window: '10m', risk: 0.9 },
});

/** Runs the engine's obligation handlers the way guard() does before the body. */
async function enforce(engine: PolicyEngine, request: ActionRequest): Promise<Decision> {
  const decision = engine.decide(request);
  if (decision.effect === 'deny') return decision;
  const handlers = engine.obligationHandlers();
  for (const obligation of decision.obligations)
    await handlers[obligation.type]?.before?.(obligation, request);
  return decision;
}

function setup(counters: CounterStore = createMemoryCounterStore()) {
  let time = Date.UTC(2026, 10, 2, 9);
  const engine = createPolicyEngine({ policy, counters, now: () => time });
  return { engine, advance: (ms: number) => (time += ms) };
}

describe('limits', () => {
  it('refuses a limit keyed by an unknown dimension, naming where it is, rather than counting per tenant', () => {
    const document = {
      tools: { lookup: { effect: 'read' } },
      rules: [],
      limits: [{ id: 'per-team', per: ['agent', 'team'], max: 3 }],
    };
    for (const load of [
      () => definePolicy(document as never),
      () => createPolicyEngine({ policy: document as never }),
    ]) {
      expect(load).toThrow(PolicyError);
      try {
        load();
      } catch (error) {
        expect((error as PolicyError).issues).toEqual([
          expect.objectContaining({ path: 'limits[0].per[1]' }),
        ]);
      }
    }
  });

  it('carries a consume-limit obligation naming the counter', () => {
    const { engine } = setup();
    const decision = engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount: 120 } }));
    expect(decision.obligations).toEqual([
      {
        type: 'consume-limit',
        limit: 'money-per-day',
        key: 'money-per-day|user="alice"',
        amount: 120,
        max: 500,
        windowMs: 86_400_000,
      },
    ]);
  });

  it('rate-limits per agent and user in fixed windows', async () => {
    const { engine, advance } = setup();
    const lookup = makeRequest({ name: 'lookup' });
    for (let call = 0; call < 3; call += 1) await enforce(engine, lookup);
    const error = await enforce(engine, lookup).catch((caught: unknown) => caught);
    expect(LimitExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_LIMIT_EXCEEDED',
      limit: 'lookups-per-minute',
      total: 3,
      max: 3,
      stage: 'obligation',
    });
    // Another user has a counter of its own.
    await expect(
      enforce(engine, makeRequest({ name: 'lookup', user: { id: 'bob', roles: ['support'] } })),
    ).resolves.toBeDefined();
    advance(60_000);
    await expect(enforce(engine, lookup)).resolves.toBeDefined();
  });

  it('budgets the sum of an input field and denies a request it cannot count', async () => {
    const { engine } = setup();
    const refund = (amount: unknown) => makeRequest({ name: 'refund', effect: 'write', input: { amount } });
    await enforce(engine, refund(300));
    await enforce(engine, refund(200));
    await expect(enforce(engine, refund(1))).rejects.toMatchObject({ limit: 'money-per-day', total: 500 });
    const uncountable = engine.decide(refund('lots'));
    expect(uncountable.effect).toBe('deny');
    expect(uncountable.reason).toContain('input.amount');
    expect(engine.decide(refund(-5)).effect).toBe('deny');
  });

  it('emits limit-exceeded', async () => {
    const { engine } = setup();
    const seen: unknown[] = [];
    engine.on('limit-exceeded', (event) => seen.push(event));
    await enforce(engine, makeRequest({ name: 'refund', effect: 'write', input: { amount: 600 } })).catch(
      () => undefined,
    );
    expect(seen).toEqual([
      {
        limit: 'money-per-day',
        key: 'money-per-day|user="alice"',
        agent: SUPPORT_AGENT,
        total: 0,
        amount: 600,
        max: 500,
      },
    ]);
  });
});

describe('circuit breaker', () => {
  it('quarantines an agent after N denials until reset', () => {
    const { engine } = setup();
    const trips: unknown[] = [];
    engine.on('breaker-trip', (event) => trips.push(event));
    for (let attempt = 0; attempt < 3; attempt += 1)
      engine.decide(makeRequest({ name: 'drop_tables', effect: 'delete' }));
    expect(trips).toHaveLength(1);
    const blocked = engine.decide(makeRequest({ name: 'lookup' }));
    expect(blocked).toMatchObject({ effect: 'deny', ruleIds: ['breaker'] });
    expect(blocked.reason).toContain('quarantined');
    expect(engine.breaker.status(SUPPORT_AGENT)?.reason).toBe('3 denials within 600000 ms');
    expect(engine.breaker.reset(SUPPORT_AGENT)).toBe(true);
    expect(engine.decide(makeRequest({ name: 'lookup' })).effect).toBe('allow');
  });

  it('forgets denials outside the window', () => {
    const { engine, advance } = setup();
    engine.decide(makeRequest({ name: 'nope' }));
    engine.decide(makeRequest({ name: 'nope' }));
    advance(600_000);
    engine.decide(makeRequest({ name: 'nope' }));
    expect(engine.breaker.status(SUPPORT_AGENT)).toBeUndefined();
  });

  it('trips on a risk score at the threshold, and on demand', () => {
    const { engine } = setup();
    const risky = makeRequest({ name: 'lookup', context: { risk: 0.95 } });
    expect(engine.explain(risky).decision.effect).toBe('deny');
    expect(engine.breaker.status(SUPPORT_AGENT)).toBeUndefined();
    expect(engine.decide(risky).ruleIds).toEqual(['breaker']);
    expect(engine.decide(makeRequest({ name: 'lookup' })).effect).toBe('deny');
    engine.breaker.reset(SUPPORT_AGENT);
    engine.breaker.trip(SUPPORT_AGENT, 'behaviour alert');
    expect(engine.breaker.list()).toMatchObject([{ agent: SUPPORT_AGENT, reason: 'behaviour alert' }]);
  });

  it('counts refused limits as denials', async () => {
    const { engine } = setup();
    const big = makeRequest({ name: 'refund', effect: 'write', input: { amount: 1000 } });
    for (let attempt = 0; attempt < 3; attempt += 1) await enforce(engine, big).catch(() => undefined);
    expect(engine.breaker.status(SUPPORT_AGENT)).toBeDefined();
  });
});

describe('memory counter store', () => {
  it('never overshoots under concurrent consumers', async () => {
    const counters = createMemoryCounterStore();
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        counters.consume({ key: 'k', amount: 1, limit: 50, windowMs: 1000, now: 0 }),
      ),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(50);
    expect(await counters.peek({ key: 'k', windowMs: 1000, now: 10 })).toBe(50);
    expect(await counters.peek({ key: 'k', windowMs: 1000, now: 1000 })).toBe(0);
    await counters.reset('k');
    expect(await counters.peek({ key: 'k', windowMs: 1000, now: 10 })).toBe(0);
    await expect(counters.consume({ key: 'k', amount: 0, limit: 5, windowMs: 1000, now: 0 })).rejects.toThrow(
      TypeError,
    );
  });
});
