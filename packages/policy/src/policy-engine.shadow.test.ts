import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { PolicyError } from './policy-error.js';
import { makeRequest, SUPPORT_AGENT, SUPPORT_POLICY } from './test-support/requests.js';

const candidateText = SUPPORT_POLICY.replace('input.amount: { gt: 100 }', 'input.amount: { gt: 20 }');

describe('shadow mode', () => {
  it('records what a candidate would decide differently, without enforcing it', () => {
    const engine = createPolicyEngine({
      policy: parsePolicy(SUPPORT_POLICY),
      shadow: parsePolicy(candidateText),
    });
    const seen: unknown[] = [];
    engine.on('shadow-difference', (difference) => seen.push(difference));
    const refund = makeRequest({ name: 'refund', effect: 'write', input: { amount: 50 } });
    expect(engine.decide(refund).effect).toBe('allow');
    expect(engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount: 5 } })).effect).toBe(
      'allow',
    );
    const [difference, ...rest] = engine.shadow.differences();
    expect(rest).toEqual([]);
    expect(difference).toMatchObject({
      request: refund,
      enforced: { effect: 'allow' },
      candidate: { effect: 'approve' },
    });
    expect(difference?.candidate.policyVersion).toBe(engine.shadow.version);
    expect(seen).toEqual([difference]);
    engine.shadow.clear();
    expect(engine.shadow.differences()).toEqual([]);
  });

  it('keeps the last N differences and can be switched off', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY), maxShadowDifferences: 2 });
    expect(engine.shadow.set(candidateText)).toMatchObject({ ok: true, previous: undefined });
    for (const amount of [30, 40, 50])
      engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount } }));
    expect(
      engine.shadow
        .differences()
        .map((difference) => (difference.request.input as { amount: number }).amount),
    ).toEqual([40, 50]);
    expect(engine.shadow.set(undefined)).toMatchObject({ ok: true, version: undefined });
    expect(engine.shadow.version).toBeUndefined();
    const bad = engine.shadow.set('tools: {}\nrules: [{ id: x }]\n', { source: 'candidate.yaml' });
    expect(bad.ok).toBe(false);
  });
});

describe('hot reload', () => {
  it('swaps the policy atomically and reports the versions', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });
    const before = engine.version;
    const events: unknown[] = [];
    engine.on('policy-reload', (event) => events.push(event));
    const result = engine.reload(candidateText, { source: 'policy.yaml' });
    expect(result).toEqual({ ok: true, version: engine.version, previous: before });
    expect(engine.version).not.toBe(before);
    expect(
      engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount: 50 } })).policyVersion,
    ).toBe(engine.version);
    expect(events).toEqual([{ version: engine.version, previous: before }]);
  });

  it('rejects a malformed policy with its errors and keeps the old one in force', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });
    const before = engine.version;
    const result = engine.reload('tools:\n  a: { effect: fly }\nrules: []\n', { source: 'next.yaml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(PolicyError.isInstance(result.error)).toBe(true);
    expect(result.error.issues[0]).toMatchObject({ file: 'next.yaml', path: 'tools.a.effect', line: 2 });
    expect(result.version).toBe(before);
    expect(engine.version).toBe(before);
    expect(engine.decide(makeRequest({ name: 'get_ticket', target: 'helpdesk' })).effect).toBe('allow');
  });

  it('rejects a document naming a predicate the engine lacks', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });
    const next = definePolicy({
      tools: { t: { effect: 'read' } },
      rules: [
        { id: 'r', effect: 'allow', agents: [SUPPORT_AGENT], users: ['*'], when: { predicate: 'absent' } },
      ],
    });
    const result = engine.reload(next);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.message).toContain('predicate "absent"');
  });

  it('keeps task grants and quarantines across a reload', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });
    engine.breaker.trip(SUPPORT_AGENT, 'manual');
    engine.reload(candidateText);
    expect(engine.decide(makeRequest({ name: 'get_ticket', target: 'helpdesk' })).ruleIds).toEqual([
      'breaker',
    ]);
  });
});
