import type { Effect } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyRule, ToolEntry } from './policy-document.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest } from './test-support/requests.js';

const TOOLS = ['t0', 't1', 't2', 't3'] as const;
const AGENTS = ['spiffe://x/agent/a', 'spiffe://x/agent/b', 'spiffe://x/agent/c'] as const;
const ROLES = ['r0', 'r1', 'r2'] as const;
const EFFECTS: readonly Effect[] = ['read', 'write', 'send', 'delete', 'execute'];

const toolEntry = fc.record({
  effect: fc.constantFrom(...EFFECTS),
  trust: fc.constantFrom<ToolEntry['trust']>('trusted', 'untrusted', undefined),
});

const subset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

const rule = (id: number): fc.Arbitrary<PolicyRule> =>
  fc
    .record({
      effect: fc.constantFrom('allow', 'deny', 'approve') as fc.Arbitrary<PolicyRule['effect']>,
      tools: fc.option(subset(TOOLS), { nil: undefined }),
      agents: fc.option(fc.oneof(subset(AGENTS), fc.constant(['spiffe://x/agent/*'])), { nil: undefined }),
      roles: fc.option(subset(ROLES), { nil: undefined }),
      autonomous: fc.constantFrom(true, undefined),
      approval: fc.constantFrom('auto', 'none', 'required', undefined),
      threshold: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      negated: fc.boolean(),
    })
    .map(({ effect, tools, agents, roles, autonomous, approval, threshold, negated }) => {
      const test = { 'input.n': { gt: threshold } };
      const base: PolicyRule = {
        id: `r${id}`,
        effect,
        ...(tools ? { tools } : {}),
        ...(agents ? { agents } : {}),
        ...(roles ? { roles } : {}),
        ...(autonomous ? { autonomous } : {}),
        ...(threshold === undefined ? {} : { when: negated ? { not: test } : test }),
      };
      if (effect !== 'allow') return base;
      const named = agents || roles || autonomous ? base : { ...base, agents: ['spiffe://x/agent/a'] };
      return approval ? { ...named, approval: approval as PolicyRule['approval'] } : named;
    });

const documentArbitrary: fc.Arbitrary<PolicyDocument> = fc
  .record({
    tools: fc.tuple(...TOOLS.map(() => toolEntry)),
    ruleCount: fc.integer({ min: 0, max: 12 }),
  })
  .chain(({ tools, ruleCount }) =>
    fc.tuple(...Array.from({ length: ruleCount }, (_, index) => rule(index))).map((rules) => ({
      tools: Object.fromEntries(TOOLS.map((name, index) => [name, tools[index] as ToolEntry])),
      rules,
    })),
  );

const requestArbitrary = (document: PolicyDocument) =>
  fc
    .record({
      name: fc.constantFrom(...TOOLS, 'unknown'),
      agent: fc.constantFrom(...AGENTS),
      roles: fc.option(fc.subarray([...ROLES]), { nil: null }),
      n: fc.integer({ min: -2, max: 12 }),
      tainted: fc.boolean(),
    })
    .map(({ name, agent, roles, n, tainted }) =>
      makeRequest({
        name,
        effect: document.tools[name]?.effect ?? 'read',
        agent,
        user: roles === null ? null : { id: 'u', roles },
        input: { n },
        context: { labels: tainted ? ['tainted'] : [] },
      }),
    );

const scenario = documentArbitrary.chain((document) =>
  fc.tuple(fc.constant(document), requestArbitrary(document)),
);

describe('policy engine properties', () => {
  it('default deny: without allow rules, nothing is allowed or sent for approval', () => {
    fc.assert(
      fc.property(scenario, ([document, request]) => {
        const onlyRestrictive = {
          ...document,
          rules: document.rules.filter((item) => item.effect !== 'allow'),
        };
        expect(createPolicyEngine({ policy: onlyRestrictive }).decide(request).effect).toBe('deny');
      }),
    );
  });

  it('deny overrides: a matching deny rule wins wherever it sits', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ([document, request], position) => {
        if (!(request.name in document.tools)) return;
        const rules = [...document.rules];
        rules.splice(position % (rules.length + 1), 0, { id: 'stop', effect: 'deny', tools: [request.name] });
        const decision = createPolicyEngine({ policy: { ...document, rules } }).decide(request);
        expect(decision.effect).toBe('deny');
        expect(decision.ruleIds).toContain('stop');
      }),
    );
  });

  it('approve overrides allow: a matching approve rule never lets an allow through', () => {
    fc.assert(
      fc.property(scenario, ([document, request]) => {
        if (!(request.name in document.tools)) return;
        const engine = createPolicyEngine({
          policy: { ...document, rules: [...document.rules, { id: 'hold', effect: 'approve' }] },
        });
        expect(engine.decide(request).effect).not.toBe('allow');
      }),
    );
  });

  it('determinism: the same request gets the same decision, whatever the rule order', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.nat()), ([document, request], swaps) => {
        const engine = createPolicyEngine({ policy: document });
        const first = engine.decide(request);
        expect(engine.decide(request)).toEqual(first);
        expect(createPolicyEngine({ policy: document }).decide(request)).toEqual(first);
        const rules = [...document.rules];
        for (const swap of swaps) {
          if (rules.length < 2) break;
          const a = swap % rules.length;
          const b = (swap >> 3) % rules.length;
          [rules[a], rules[b]] = [rules[b] as PolicyRule, rules[a] as PolicyRule];
        }
        const shuffled = createPolicyEngine({ policy: { ...document, rules } }).decide(request);
        expect(shuffled.effect).toBe(first.effect);
        expect([...shuffled.ruleIds].sort()).toEqual([...first.ruleIds].sort());
      }),
    );
  });

  it('an unrelated rule (for other tools) never changes a decision', () => {
    fc.assert(
      fc.property(scenario, rule(99), ([document, request], extra) => {
        const others = TOOLS.filter((name) => name !== request.name);
        const unrelated = { ...extra, tools: others.slice(0, 2) };
        const before = createPolicyEngine({ policy: document }).decide(request);
        const after = createPolicyEngine({
          policy: { ...document, rules: [...document.rules, unrelated] },
        }).decide(request);
        expect({ ...after, policyVersion: '' }).toEqual({ ...before, policyVersion: '' });
      }),
    );
  });

  it('a missing or mistyped value never turns a deny into an allow or an approve', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.constantFrom('missing', 'string', 'null', 'list'),
        ([document, request], damage) => {
          const engine = createPolicyEngine({ policy: document });
          if (engine.decide(request).effect !== 'deny') return;
          const { n, ...rest } = request.input as { n: number };
          const value = { string: String(n), null: null, list: [n], missing: undefined }[damage];
          const input = damage === 'missing' ? rest : { ...rest, n: value };
          expect(engine.decide({ ...request, input }).effect).toBe('deny');
        },
      ),
    );
  });

  it('an allow always has both permissions: removing every rule naming agents, or every rule naming users, denies', () => {
    fc.assert(
      fc.property(scenario, ([document, request]) => {
        const withoutAgents = document.rules.filter((item) => item.effect !== 'allow' || !item.agents);
        const withoutUsers = document.rules.filter(
          (item) => item.effect !== 'allow' || !(item.roles || item.autonomous),
        );
        for (const rules of [withoutAgents, withoutUsers]) {
          expect(createPolicyEngine({ policy: { ...document, rules } }).decide(request).effect).toBe('deny');
        }
      }),
    );
  });
});

describe('the generated scenarios', () => {
  it('reach all three effects, so the properties above are not vacuous', () => {
    const effects = new Set(
      fc
        .sample(scenario, { numRuns: 500, seed: 7 })
        .map(([document, request]) => createPolicyEngine({ policy: document }).decide(request).effect),
    );
    expect([...effects].sort()).toEqual(['allow', 'approve', 'deny']);
  });
});
