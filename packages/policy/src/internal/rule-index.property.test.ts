import type { Effect } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../define-policy.js';
import type { Condition, PolicyDocument, PolicyRule } from '../policy-document.js';
import { makeRequest } from '../test-support/requests.js';
import { compilePolicy } from './compile-policy.js';
import { evaluate, evaluateByScan } from './evaluate.js';

const TOOLS = ['t0', 't1', 't2'] as const;
const AGENTS = ['spiffe://x/agent/a', 'spiffe://x/agent/b', 'spiffe://x/agent/c'] as const;
const USERS = ['u0', 'u1', 'u2'] as const;
const ROLES = ['r0', 'r1', 'r2'] as const;
const TEAMS = ['team-0', 'team-1', 'team-2'] as const;
const EFFECTS: readonly Effect[] = ['read', 'write', 'send'];

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const some = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

/** A team test at the top of `when`: the shapes the index reads, and shapes it must leave alone. */
const teamTest: fc.Arbitrary<Condition> = fc.oneof(
  fc.constantFrom(...TEAMS).map((team) => ({ 'principal.user.tenant': team })),
  fc.constantFrom(...TEAMS).map((team) => ({ 'principal.user.tenant': { eq: team } })),
  some(TEAMS).map((teams) => ({ 'principal.user.tenant': { in: teams } })),
  fc.constantFrom(...TEAMS).map((team) => ({ 'principal.user.tenant': { ne: team } })),
  fc.constant({ 'principal.user.tenant': { eq: { ref: 'input.team' } } }),
  fc.constantFrom(...TEAMS).map((team) => ({ not: { 'principal.user.tenant': team } })),
  fc.constantFrom(...TEAMS).map((team) => ({ any: [{ 'principal.user.tenant': team }, { 'input.n': 3 }] })),
);

const rule = (id: number): fc.Arbitrary<PolicyRule> =>
  fc
    .record({
      effect: fc.constantFrom('allow', 'deny', 'approve') as fc.Arbitrary<PolicyRule['effect']>,
      tools: optional(fc.oneof(some(TOOLS), fc.constant(['t*']))),
      agents: optional(fc.oneof(some(AGENTS), fc.constant(['spiffe://x/agent/*']))),
      users: optional(fc.oneof(some(USERS), fc.constant(['u*']))),
      roles: optional(fc.oneof(some(ROLES), fc.constant(['r*']))),
      autonomous: fc.constantFrom(true, undefined),
      team: optional(teamTest),
      threshold: optional(fc.integer({ min: 0, max: 10 })),
      approval: fc.constantFrom('auto', 'none', 'required', undefined),
    })
    .map(({ effect, tools, agents, users, roles, autonomous, team, threshold, approval }) => {
      const when = { ...team, ...(threshold === undefined ? {} : { 'input.n': { gt: threshold } }) };
      const named = agents || users || roles || autonomous || effect !== 'allow';
      return {
        id: `r${id}`,
        effect,
        ...(tools ? { tools } : {}),
        ...(agents ? { agents } : named ? {} : { agents: ['spiffe://x/agent/a'] }),
        ...(users ? { users } : {}),
        ...(roles ? { roles } : {}),
        ...(autonomous ? { autonomous } : {}),
        ...(Object.keys(when).length > 0 ? { when } : {}),
        ...(effect === 'allow' && approval ? { approval: approval as PolicyRule['approval'] } : {}),
      };
    });

const documentArbitrary: fc.Arbitrary<PolicyDocument> = fc
  .tuple(fc.tuple(...TOOLS.map(() => fc.constantFrom(...EFFECTS))), fc.integer({ min: 0, max: 30 }))
  .chain(([effects, count]) =>
    fc.tuple(...Array.from({ length: count }, (_, index) => rule(index))).map((rules) =>
      definePolicy({
        tools: Object.fromEntries(TOOLS.map((name, index) => [name, { effect: effects[index] as Effect }])),
        rules,
      }),
    ),
  );

const requestArbitrary = (document: PolicyDocument) =>
  fc
    .record({
      name: fc.constantFrom(...TOOLS),
      agent: fc.constantFrom(...AGENTS, 'spiffe://y/agent/z'),
      user: fc.option(
        fc.record({
          id: fc.constantFrom(...USERS, 'v9'),
          roles: fc.subarray([...ROLES, 'x9']),
          tenant: fc.constantFrom<string | number | undefined>(...TEAMS, 'team-9', undefined, 7),
        }),
        { nil: null },
      ),
      n: fc.integer({ min: -1, max: 12 }),
      team: fc.constantFrom(...TEAMS),
    })
    .map(({ name, agent, user, n, team }) =>
      makeRequest({
        name,
        effect: document.tools[name]?.effect ?? 'read',
        agent,
        // A non-string tenant is a value of the wrong type the index must treat like a mismatch.
        user: user === null ? null : (user as { id: string; roles: string[]; tenant?: string }),
        input: { n, team },
      }),
    );

describe('the rule index', () => {
  it('decides exactly as a scan of every rule of the tool (effect, reason, rule ids, obligations)', () => {
    fc.assert(
      fc.property(
        documentArbitrary.chain((document) => fc.tuple(fc.constant(document), requestArbitrary(document))),
        ([document, request]) => {
          const policy = compilePolicy(document, new Map());
          expect(evaluate(policy, request, undefined, undefined)).toEqual(
            evaluateByScan(policy, request, undefined),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('skips the rules of other agents, users, roles and teams', () => {
    const rules: PolicyRule[] = [];
    for (let index = 0; index < 200; index += 1) {
      rules.push({
        id: `rule-${index}`,
        effect: 'allow',
        tools: ['t0'],
        agents: [`spiffe://x/agent/${index % 20}`],
        roles: [`role-${index % 7}`],
        when: { 'principal.user.tenant': `team-${index % 5}`, 'input.n': { lte: 10 } },
      });
    }
    const policy = compilePolicy(definePolicy({ tools: { t0: { effect: 'read' } }, rules }), new Map());
    const request = makeRequest({
      name: 't0',
      agent: 'spiffe://x/agent/3',
      user: { id: 'alice', roles: ['role-3'], tenant: 'team-3' },
      input: { n: 1 },
    });
    const tool = policy.tools.get('t0');
    const candidates = tool?.index.select({
      input: request.input,
      principal: request.principal,
      resource: tool.resource,
      context: request.context,
      request,
    });
    // Agent 3 has rules 3, 23, 43, ...; of those, role 3 (and so team 3) leaves one rule in 140.
    expect(candidates?.map((item) => item.id)).toEqual(['rule-3', 'rule-143']);
    expect(evaluate(policy, request, undefined, undefined).ruleIds).toEqual(['rule-3', 'rule-143']);
  });

  it('keeps guarded deny rules when the guarded value is missing (unknown is not false)', () => {
    const policy = compilePolicy(
      definePolicy({
        tools: { t0: { effect: 'read' } },
        rules: [
          { id: 'staff', effect: 'allow', agents: ['spiffe://x/agent/a'], roles: ['r0'] },
          { id: 'block-team-1', effect: 'deny', when: { 'principal.user.tenant': 'team-1' } },
        ],
      }),
      new Map(),
    );
    const request = makeRequest({
      name: 't0',
      agent: 'spiffe://x/agent/a',
      user: { id: 'u', roles: ['r0'] },
    });
    const decision = evaluate(policy, request, undefined, undefined);
    expect(decision.effect).toBe('deny');
    expect(decision.ruleIds).toEqual(['block-team-1']);
  });
});
