/**
 * Attack (issue 12, item 6): make a condition fail or go unknown on a secret the agent passes, so
 * the decision's reason (which lands in spans, audit records, errors and the model's context)
 * quotes the secret back.
 */
import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const SECRET = 'sk-live-7Hq2ZpXr9w';

const engine = createPolicyEngine({
  policy: definePolicy({
    tools: { transfer: { effect: 'write' } },
    rules: [
      {
        id: 'eur-transfers',
        effect: 'allow',
        tools: ['transfer'],
        agents: [SUPPORT_AGENT],
        approval: 'none',
        when: { 'input.currency': 'EUR', 'input.note': { startsWith: 'ref' } },
      },
      {
        id: 'same-tenant',
        effect: 'deny',
        tools: ['transfer'],
        when: { 'input.token': { ne: { ref: 'principal.user.tenant' } }, 'input.pin': { gt: 1000 } },
        reason: 'cross-tenant transfer',
      },
      {
        id: 'big',
        effect: 'approve',
        tools: ['transfer'],
        when: { 'input.amount': { gt: 100 } },
      },
    ],
  }),
});

const transfer = (input: Record<string, unknown>) =>
  makeRequest({ name: 'transfer', effect: 'write', input });

describe('decision reasons never quote the call', () => {
  it.each([
    ['a failed equality', { currency: SECRET }],
    ['a failed string test', { currency: 'EUR', note: SECRET }],
    ['an unknown comparison', { amount: SECRET, currency: 'EUR', note: 'ref' }],
    ['a comparison against a reference', { token: SECRET, pin: '7391' }],
    ['a low-entropy value', { pin: SECRET, token: 't1' }],
  ])('%s', (_name, input) => {
    const decision = engine.decide(transfer(input));
    expect(decision.reason).not.toContain(SECRET);
    const explanation = engine.explain(transfer(input));
    const text = JSON.stringify(explanation);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('7391');
  });

  it('still says which test failed and what kind of value it saw', () => {
    const explanation = engine.explain(transfer({ currency: SECRET }));
    expect(explanation.rules[0]?.detail).toContain(
      'input.currency eq "EUR" is false (value a string of 18 characters)',
    );
  });
});
