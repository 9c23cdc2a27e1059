import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { replayAuditTrail } from './policy-replay.js';
import { makeRequest, SUPPORT_POLICY } from './test-support/requests.js';

const decision = (effect: string) => ({
  effect,
  reason: 'recorded',
  ruleIds: [],
  policyVersion: 'sha256:old',
  obligations: [],
});

describe('replayAuditTrail', () => {
  it('lists what would change, counts transitions and skips unreadable lines', () => {
    const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });
    const refund = makeRequest({ name: 'refund', effect: 'write', input: { amount: 500 } });
    const ticket = makeRequest({ name: 'get_ticket', target: 'helpdesk' });
    const trail = [
      JSON.stringify({ request: refund, decision: decision('allow'), span: 'ignored' }),
      JSON.stringify({ request: ticket, decision: decision('allow') }),
      'garbage',
      JSON.stringify({ request: { name: 'x' }, decision: decision('deny') }),
      JSON.stringify({ request: ticket, decision: { effect: 'maybe' } }),
    ].join('\n');
    const report = replayAuditTrail(engine, trail);
    expect(report.total).toBe(2);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({
      line: 1,
      recorded: { effect: 'allow' },
      replayed: { effect: 'approve' },
    });
    expect(report.transitions).toEqual({ 'allow->approve': 1 });
    expect(report.skipped.map((skip) => skip.line)).toEqual([3, 4, 5]);
    expect(report.version).toBe(engine.version);
  });

  it('leaves the breaker alone', () => {
    const engine = createPolicyEngine({
      policy: parsePolicy(`${SUPPORT_POLICY}\nbreaker: { denials: 1 }\n`),
    });
    const denied = makeRequest({ name: 'update_crm', effect: 'write' });
    replayAuditTrail(engine, JSON.stringify({ request: denied, decision: decision('allow') }));
    expect(engine.breaker.list()).toEqual([]);
  });
});
