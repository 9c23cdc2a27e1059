import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const refund = (input: Record<string, unknown>, context: Parameters<typeof makeRequest>[0]['context'] = {}) =>
  makeRequest({ name: 'refund', effect: 'write', input, context });

const allowSupport = {
  id: 'support',
  effect: 'allow',
  tools: ['refund'],
  agents: [SUPPORT_AGENT],
  roles: ['support'],
  approval: 'none',
} as const;

describe('conditions on a missing or mistyped value', () => {
  it('an allow rule under not does not apply to a call without the value, or with a mistyped one', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write' } },
        rules: [{ ...allowSupport, id: 'small-refunds', when: { not: { 'input.amount': { gt: 1000 } } } }],
      }),
    });
    expect(engine.decide(refund({ amount: 500 })).effect).toBe('allow');
    expect(engine.decide(refund({ amount: 5000 })).effect).toBe('deny');
    for (const input of [{}, { amount: '5000' }, { amount: null }]) {
      const decision = engine.decide(refund(input));
      expect(decision.effect).toBe('deny');
      expect(decision.reason).toContain('default deny');
    }
    const explanation = engine.explain(refund({ amount: '5000' }));
    expect(explanation.rules).toEqual([
      {
        id: 'small-refunds',
        effect: 'allow',
        matched: false,
        condition: 'unknown',
        detail:
          'condition unknown, so the allow rule does not apply: not (input.amount gt 1000 is unknown (value a string of 4 characters cannot be compared))',
      },
    ]);
  });

  it('a deny rule on a missing context value applies, and says a value was missing', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write' } },
        rules: [
          allowSupport,
          {
            id: 'risky',
            effect: 'deny',
            tools: ['refund'],
            when: { 'context.attributes.risk': { gte: 0.7 } },
            reason: 'the call looks risky',
          },
        ],
      }),
    });
    expect(engine.decide(refund({ amount: 5 }, { attributes: { risk: 0.2 } })).effect).toBe('allow');
    expect(engine.decide(refund({ amount: 5 }, { attributes: { risk: 0.9 } })).reason).toBe(
      'the call looks risky',
    );
    const missing = engine.decide(refund({ amount: 5 }));
    expect(missing.effect).toBe('deny');
    expect(missing.ruleIds).toEqual(['risky']);
    expect(missing.reason).toBe(
      'the call looks risky (a value the condition reads is missing or of the wrong type, so the deny applies (fail closed): context.attributes.risk gte 0.7 is unknown (value missing))',
    );
    const explanation = engine.explain(refund({ amount: 5 }));
    expect(explanation.decision).toEqual(missing);
    expect(explanation.rules[1]).toEqual({
      id: 'risky',
      effect: 'deny',
      matched: true,
      condition: 'unknown',
      detail:
        'matched: denies (condition unknown, so the rule applies: context.attributes.risk gte 0.7 is unknown (value missing))',
    });
  });

  it('a deny rule on context.risk applies when the call carries no risk score', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write' } },
        rules: [allowSupport, { id: 'risky', effect: 'deny', when: { 'context.risk': { gte: 0.7 } } }],
      }),
    });
    expect(engine.decide(refund({ amount: 5 }, { risk: 0.1 })).effect).toBe('allow');
    const decision = engine.decide(refund({ amount: 5 }));
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain('context.risk gte 0.7 is unknown (value missing)');
  });

  it('an approve rule on a mistyped field sends the call to a human', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write' } },
        rules: [allowSupport, { id: 'large', effect: 'approve', when: { 'input.amount': { gt: 100 } } }],
      }),
    });
    expect(engine.decide(refund({ amount: 50 })).effect).toBe('allow');
    expect(engine.decide(refund({ amount: 500 })).effect).toBe('approve');
    const mistyped = engine.decide(refund({ amount: '500' }));
    expect(mistyped.effect).toBe('approve');
    expect(mistyped.ruleIds).toEqual(['support', 'large']);
    expect(mistyped.reason).toBe(
      'rule "large" requires approval (a value the condition reads is missing or of the wrong type, so a human decides: input.amount gt 100 is unknown (value a string of 3 characters cannot be compared))',
    );
  });

  it('a limit whose condition is unknown still counts the call', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write' } },
        rules: [allowSupport],
        limits: [
          {
            id: 'eu-refunds',
            tools: ['refund'],
            per: ['user'],
            window: '1h',
            max: 3,
            when: { 'context.attributes.region': { ne: 'us' } },
          },
        ],
      }),
    });
    const limits = (context: Parameters<typeof makeRequest>[0]['context']) =>
      engine
        .decide(refund({ amount: 1 }, context))
        .obligations.filter((item) => item.type === 'consume-limit');
    expect(limits({ attributes: { region: 'us' } })).toHaveLength(0);
    expect(limits({ attributes: { region: 'eu' } })).toHaveLength(1);
    expect(limits({})).toHaveLength(1);
    expect(engine.explain(refund({ amount: 1 })).checks.join('\n')).toContain(
      'condition unknown, so the limit applies: context.attributes.region ne "us" is unknown (value missing)',
    );
  });

  it('a task grant whose condition is unknown grants nothing', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: { refund: { effect: 'write', grant: 'required' } },
        rules: [
          { id: 'support-users', effect: 'allow', tools: ['refund'], roles: ['support'], approval: 'none' },
        ],
      }),
    });
    engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-1',
      tools: ['refund'],
      when: { not: { 'input.amount': { gt: 50 } } },
      ttlMs: 60_000,
      approval: 'none',
    });
    const call = (input: Record<string, unknown>) =>
      makeRequest({ name: 'refund', effect: 'write', input, task: 'T-1' });
    expect(engine.decide(call({ amount: 20 })).effect).toBe('allow');
    expect(engine.decide(call({})).effect).toBe('deny');
    expect(engine.decide(call({ amount: '20' })).effect).toBe('deny');
  });

  it('egress: an allow rule needs its condition to hold, a deny rule applies when it is unknown', () => {
    const engine = createPolicyEngine({
      policy: definePolicy({
        tools: {},
        rules: [],
        egress: [
          {
            id: 'blocked',
            effect: 'deny',
            hosts: ['api.example'],
            when: { 'context.attributes.tier': 'free' },
          },
          {
            id: 'api',
            effect: 'allow',
            hosts: ['api.example'],
            when: { not: { 'context.attributes.quarantined': true } },
          },
        ],
      }),
    });
    const egress = (attributes: Record<string, unknown>) =>
      makeRequest({
        name: 'fetch',
        kind: 'egress',
        input: {
          url: 'https://api.example/v1',
          scheme: 'https',
          host: 'api.example',
          port: 443,
          method: 'GET',
          path: '/v1',
          address: '93.184.216.34',
        },
        context: { attributes },
      });
    expect(engine.decide(egress({ tier: 'paid', quarantined: false })).effect).toBe('allow');
    const noTier = engine.decide(egress({ quarantined: false }));
    expect(noTier.effect).toBe('deny');
    expect(noTier.reason).toContain('context.attributes.tier eq "free" is unknown (value missing)');
    expect(engine.decide(egress({ tier: 'paid' })).effect).toBe('deny');
  });
});
