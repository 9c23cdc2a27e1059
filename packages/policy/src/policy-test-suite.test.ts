import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { PolicyError } from './policy-error.js';
import { parsePolicyTests, requestFromSpec, runPolicyTests } from './policy-test-suite.js';
import { SUPPORT_AGENT, SUPPORT_POLICY } from './test-support/requests.js';

const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY) });

describe('policy tests', () => {
  it('builds requests from specs with the catalog effect and target', () => {
    const request = requestFromSpec(
      {
        tool: 'refund',
        agent: SUPPORT_AGENT,
        user: { id: 'a', roles: ['support'] },
        context: { time: '2026-11-02T10:00:00Z', labels: ['tainted'] },
      },
      engine,
    );
    expect(request).toMatchObject({ name: 'refund', effect: 'write', target: 'payments', kind: 'tool' });
    expect(request.context.time).toBe(Date.UTC(2026, 10, 2, 10));
    expect(request.principal.delegation).toEqual(['a', SUPPORT_AGENT]);
  });

  it('runs cases and reports what differed', () => {
    const suite = parsePolicyTests(`
cases:
  - name: read
    request: { tool: get_ticket, agent: '${SUPPORT_AGENT}', user: { id: a, roles: [support] } }
    expect: { effect: allow, ruleIds: [read-tickets], reason: allowed }
  - name: wrong
    request: { tool: get_ticket, agent: '${SUPPORT_AGENT}' }
    expect: { effect: allow, ruleIds: [read-tickets] }
`);
    const [read, wrong] = runPolicyTests(engine, suite);
    expect(read).toMatchObject({ passed: true, failures: [] });
    expect(wrong?.passed).toBe(false);
    expect(wrong?.failures).toEqual([
      expect.stringContaining('expected allow, got deny'),
      'expected rules [read-tickets], got []',
    ]);
  });

  it('names malformed cases', () => {
    expect(() =>
      parsePolicyTests('cases:\n  - name: x\n    request: { agent: a }\n    expect: allow\n', {
        source: 't.yaml',
      }),
    ).toThrow(PolicyError);
    const error = (() => {
      try {
        parsePolicyTests('cases:\n  - name: x\n    request: { tool: t, agent: a }\n    expect: perhaps\n');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(PolicyError.isInstance(error)).toBe(true);
    expect((error as PolicyError).issues[0]?.path).toBe('cases[0].expect');
  });
});
