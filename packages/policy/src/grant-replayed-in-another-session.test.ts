/**
 * Attack (issue 12, item 5): a task grant issued for the task in session A is used, with the same
 * payload and task, in session B (or in a call that names no session).
 */
import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const policy = definePolicy({
  tools: { refund: { effect: 'write', target: 'payments', grant: 'required' } },
  rules: [{ id: 'support-users', effect: 'allow', tools: ['refund'], roles: ['support'], approval: 'none' }],
});

const refund = (sessionId: string | undefined) =>
  makeRequest({
    name: 'refund',
    effect: 'write',
    input: { amount: 20, order: 'O-7' },
    task: 'T-42',
    context: sessionId === undefined ? {} : { sessionId },
  });

describe('task grants bound to a session', () => {
  it('a grant for session A gives nothing in session B or without a session', () => {
    const engine = createPolicyEngine({ policy, now: () => Date.UTC(2026, 10, 2, 9) });
    const grant = engine.grants.issue({
      agent: SUPPORT_AGENT,
      task: 'T-42',
      session: 'session-a',
      tools: ['refund'],
      ttlMs: 60_000,
      approval: 'none',
    });
    expect(grant.session).toBe('session-a');
    expect(engine.decide(refund('session-a')).effect).toBe('allow');
    expect(engine.decide(refund('session-b')).effect).toBe('deny');
    expect(engine.decide(refund(undefined)).effect).toBe('deny');
  });

  it('refuses a session that is not a session id', () => {
    const engine = createPolicyEngine({ policy });
    expect(() =>
      engine.grants.issue({ agent: SUPPORT_AGENT, task: 'T', session: '', tools: ['refund'], ttlMs: 1000 }),
    ).toThrow(TypeError);
  });
});
