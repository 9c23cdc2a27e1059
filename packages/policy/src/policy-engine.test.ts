import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { BILLING_AGENT, makeRequest, SUPPORT_POLICY } from './test-support/requests.js';

const engine = createPolicyEngine({ policy: parsePolicy(SUPPORT_POLICY, { source: 'support.yaml' }) });

describe('createPolicyEngine: the support scenario', () => {
  it('allows reading tickets and labels the session tainted', () => {
    const decision = engine.decide(
      makeRequest({ name: 'get_ticket', target: 'helpdesk', input: { id: 'T-1' } }),
    );
    expect(decision).toEqual({
      effect: 'allow',
      reason: 'allowed by rule "read-tickets"',
      ruleIds: ['read-tickets'],
      policyVersion: engine.version,
      obligations: [{ type: 'label-session', labels: ['tainted'] }],
    });
    expect(engine.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('denies writing the CRM with the rule and its reason', () => {
    const decision = engine.decide(
      makeRequest({ name: 'update_crm', effect: 'write', input: { note: 'x' } }),
    );
    expect(decision.effect).toBe('deny');
    expect(decision.ruleIds).toEqual(['no-crm-writes']);
    expect(decision.reason).toBe('support agents may not write the CRM');
  });

  it('denies an email to a recipient the user never mentioned', () => {
    const decision = engine.decide(
      makeRequest({
        name: 'send_email',
        effect: 'send',
        input: { to: 'attacker@evil.example', body: 'data' },
        context: { userMessages: ['Please answer ticket T-1 for bob@customer.example'] },
      }),
    );
    expect(decision.effect).toBe('deny');
    expect(decision.ruleIds).toEqual(['email-only-user-recipients']);
  });

  it('allows an email to a recipient from the user, without approval (approval: none)', () => {
    const decision = engine.decide(
      makeRequest({
        name: 'send_email',
        effect: 'send',
        input: { to: 'Bob@Customer.example', body: 'hello' },
        context: { userMessages: ['Please answer bob@customer.example.'] },
      }),
    );
    expect(decision.effect).toBe('allow');
    expect(decision.ruleIds).toEqual(['email-user-recipients']);
  });

  it('asks for approval for a refund over 100 and allows a small one', () => {
    const large = engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount: 250 } }));
    expect(large.effect).toBe('approve');
    expect(large.ruleIds).toEqual(['refunds', 'large-refunds']);
    expect(large.reason).toBe('refunds over 100 need a human');
    const small = engine.decide(makeRequest({ name: 'refund', effect: 'write', input: { amount: 40 } }));
    expect(small.effect).toBe('allow');
  });
});

describe('createPolicyEngine: catalog and default deny', () => {
  it('denies a tool that is not in the catalog', () => {
    const decision = engine.decide(makeRequest({ name: 'drop_database', effect: 'delete' }));
    expect(decision).toMatchObject({ effect: 'deny', ruleIds: [] });
    expect(decision.reason).toContain('not in the tool catalog');
  });

  it('denies a request whose declared effect or target differs from the catalog', () => {
    expect(engine.decide(makeRequest({ name: 'get_ticket', effect: 'write' })).reason).toContain(
      'catalog says "read"',
    );
    expect(engine.decide(makeRequest({ name: 'get_ticket', target: 'crm' })).reason).toContain(
      'catalog says "helpdesk"',
    );
    expect(engine.decide(makeRequest({ name: 'get_ticket', kind: 'retrieval' })).effect).toBe('deny');
  });

  it('denies an agent no rule names, even for a permitted user', () => {
    const decision = engine.decide(makeRequest({ name: 'get_ticket', agent: BILLING_AGENT }));
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain(`no rule allows agent ${BILLING_AGENT}`);
  });

  it('denies a permitted agent acting for a user without the role', () => {
    const decision = engine.decide(
      makeRequest({ name: 'get_ticket', user: { id: 'eve', roles: ['guest'] } }),
    );
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain('user eve');
  });

  it('denies a call without a user unless a rule is autonomous', () => {
    expect(engine.decide(makeRequest({ name: 'get_ticket', user: null })).effect).toBe('deny');
  });

  it('never lets an approve rule grant access on its own', () => {
    const policy = definePolicy({
      tools: { refund: { effect: 'write' } },
      rules: [{ id: 'step-up', effect: 'approve', tools: ['refund'] }],
    });
    expect(
      createPolicyEngine({ policy }).decide(makeRequest({ name: 'refund', effect: 'write' })).effect,
    ).toBe('deny');
  });
});

describe('createPolicyEngine: agent and user permissions', () => {
  const policy = definePolicy({
    tools: { refund: { effect: 'write' }, lookup: { effect: 'read' } },
    rules: [
      {
        id: 'support-may-refund',
        effect: 'allow',
        tools: ['refund'],
        agents: ['spiffe://acme.example/agent/support-*'],
      },
      { id: 'finance-may-refund', effect: 'allow', tools: ['refund'], roles: ['finance'], approval: 'none' },
      {
        id: 'billing-for-admins',
        effect: 'allow',
        tools: ['lookup'],
        agents: [BILLING_AGENT],
        roles: ['admin'],
      },
      {
        id: 'support-lookup',
        effect: 'allow',
        tools: ['lookup'],
        agents: ['spiffe://acme.example/agent/support-*'],
      },
      { id: 'nightly', effect: 'allow', tools: ['lookup'], autonomous: true },
    ],
  });
  const local = createPolicyEngine({ policy });

  it('allows only when an agent grant and a user grant both hold', () => {
    const both = local.decide(
      makeRequest({ name: 'refund', effect: 'write', user: { id: 'f', roles: ['finance'] } }),
    );
    expect(both.effect).toBe('approve');
    expect(both.ruleIds).toEqual(['support-may-refund', 'finance-may-refund']);
    expect(both.reason).toContain('persistent effect');
    const noUserGrant = local.decide(
      makeRequest({ name: 'refund', effect: 'write', user: { id: 's', roles: ['support'] } }),
    );
    expect(noUserGrant.effect).toBe('deny');
    const noAgentGrant = local.decide(
      makeRequest({
        name: 'refund',
        effect: 'write',
        agent: BILLING_AGENT,
        user: { id: 'f', roles: ['finance'] },
      }),
    );
    expect(noAgentGrant.effect).toBe('deny');
  });

  it('counts a rule naming both sides only for that pair', () => {
    // billing-for-admins must not lend its user side to the support agent.
    const decision = local.decide(makeRequest({ name: 'lookup', user: { id: 'root', roles: ['admin'] } }));
    expect(decision.effect).toBe('deny');
    const pair = local.decide(
      makeRequest({ name: 'lookup', agent: BILLING_AGENT, user: { id: 'root', roles: ['admin'] } }),
    );
    expect(pair).toMatchObject({ effect: 'allow', ruleIds: ['billing-for-admins'] });
  });

  it('lets autonomous rules grant the user side of calls without a user', () => {
    expect(local.decide(makeRequest({ name: 'lookup', user: null })).ruleIds).toEqual([
      'support-lookup',
      'nightly',
    ]);
  });
});

describe('createPolicyEngine: explain', () => {
  it('lists every rule considered, matched or not, and why', () => {
    const explanation = engine.explain(
      makeRequest({ name: 'refund', effect: 'write', input: { amount: 50 } }),
    );
    expect(explanation.decision.effect).toBe('allow');
    expect(explanation.rules.map((rule) => [rule.id, rule.matched])).toEqual([
      ['refunds', true],
      ['large-refunds', false],
    ]);
    expect(explanation.rules[1]?.detail).toBe(
      'condition failed: input.amount gt 100 is false (value a number)',
    );
    expect(explanation.skipped).toBe(4);
    expect(explanation.permissions).toEqual({ agent: true, user: true });
  });

  it('gives the same decision as decide', () => {
    const request = makeRequest({ name: 'send_email', effect: 'send', input: { to: 'x@y.example' } });
    expect(engine.explain(request).decision).toEqual(engine.decide(request));
  });
});

describe('createPolicyEngine: failing closed', () => {
  it('denies when a predicate throws or returns a non-boolean', () => {
    const policy = definePolicy({
      tools: { lookup: { effect: 'read' } },
      rules: [{ id: 'r', effect: 'allow', agents: ['**'], users: ['*'], when: { predicate: 'flaky' } }],
    });
    const throwing = createPolicyEngine({
      policy,
      predicates: {
        flaky: () => {
          throw new Error('boom');
        },
      },
    });
    const decision = throwing.decide(makeRequest({ name: 'lookup' }));
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain('boom');
    const sloppy = createPolicyEngine({
      policy,
      predicates: { flaky: (() => 'yes') as unknown as () => boolean },
    });
    expect(sloppy.decide(makeRequest({ name: 'lookup' })).effect).toBe('deny');
  });

  it('refuses to start when a named predicate is missing', () => {
    const policy = definePolicy({
      tools: { lookup: { effect: 'read' } },
      rules: [{ id: 'r', effect: 'allow', agents: ['**'], users: ['*'], when: { predicate: 'missing' } }],
    });
    expect(() => createPolicyEngine({ policy })).toThrow(/predicate "missing"/);
  });

  it('denies a malformed request instead of throwing', () => {
    const decision = engine.decide({ name: 'get_ticket', kind: 'tool', effect: 'read' } as never);
    expect(decision.effect).toBe('deny');
  });
});

describe('createPolicyEngine: egress requests', () => {
  const policy = definePolicy({
    tools: {},
    rules: [],
    egress: [{ id: 'api', effect: 'allow', hosts: ['api.example'], schemes: ['https'], paths: ['/v1/'] }],
  });
  const local = createPolicyEngine({ policy });
  const egress = (input: Record<string, unknown>) =>
    makeRequest({
      name: 'fetch',
      kind: 'egress',
      input: {
        url: 'x',
        scheme: 'https',
        host: 'api.example',
        port: 443,
        method: 'GET',
        path: '/v1/a',
        address: '93.184.216.34',
        ...input,
      },
    });

  it('decides egress against the egress rules and explains them', () => {
    expect(local.decide(egress({})).effect).toBe('allow');
    expect(local.decide(egress({ path: '/admin' })).effect).toBe('deny');
    expect(local.decide(egress({ address: '10.0.0.8' })).reason).toContain('private');
    const explanation = local.explain(egress({ host: 'evil.example' }));
    expect(explanation.rules).toEqual([
      { id: 'api', effect: 'allow', matched: false, detail: 'host evil.example is not listed' },
    ]);
  });

  it('denies an egress request without the fields it needs', () => {
    expect(local.decide(egress({ port: '443' })).effect).toBe('deny');
    expect(local.decide(egress({ address: 'localhost' })).reason).toContain('not an IP address');
  });
});
