/**
 * fast-check over policy documents and requests (10,000 cases): building a policy either succeeds or
 * throws a coded PolicyError; deciding never throws and returns a well-formed decision; nothing is
 * allowed without an allow rule that names it in the decision; a policy without allow rules never
 * allows or approves; a catch-all deny rule denies everything.
 */
import { isDecision } from '@palisade/core';
import { createPolicyEngine, definePolicy, type PolicyDocument, PolicyError } from '@palisade/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionRequest, policyDocument } from './arbitraries.js';

const RUNS = 10_000;

function build(document: unknown): PolicyDocument | undefined {
  try {
    return definePolicy(document as PolicyDocument);
  } catch (error) {
    expect(PolicyError.isInstance(error), String(error)).toBe(true);
    return undefined;
  }
}

describe('policy fuzzing', () => {
  it(`decides ${RUNS} random (policy, request) pairs without a crash or an allow no rule gave`, async () => {
    let valid = 0;
    let allowed = 0;
    await fc.assert(
      fc.asyncProperty(
        policyDocument,
        actionRequest,
        fc.integer({ min: 0, max: 9 }),
        async (document, asked, coin) => {
          const policy = build(document);
          if (!policy) return;
          // Mostly the tool's own effect (a mismatch is denied before any rule is read).
          const catalogEffect = policy.tools[asked.name]?.effect;
          const request = coin < 8 && catalogEffect ? { ...asked, effect: catalogEffect } : asked;
          valid += 1;
          const engine = createPolicyEngine({ policy });
          const decision = await engine.decide(request);
          expect(isDecision(decision)).toBe(true);
          const allows = new Set(
            policy.rules.filter((rule) => rule.effect === 'allow').map((rule) => rule.id),
          );
          if (decision.effect === 'allow' || decision.effect === 'approve') {
            // Both permissions come from allow rules (no grants here), and they are named.
            expect(
              decision.ruleIds.some((id) => allows.has(id)),
              JSON.stringify(decision),
            ).toBe(true);
            expect(Object.hasOwn(policy.tools, request.name)).toBe(true);
            expect(request.effect).toBe(policy.tools[request.name]?.effect);
          }
          if (decision.effect === 'allow') allowed += 1;
          if (decision.effect === 'deny') return;

          // Without any allow rule, nothing is allowed or approved.
          const withoutAllows = build({
            ...document,
            rules: policy.rules.filter((rule) => rule.effect !== 'allow'),
          });
          if (withoutAllows) {
            const denied = await createPolicyEngine({ policy: withoutAllows }).decide(request);
            expect(denied.effect).toBe('deny');
          }
          // A deny rule that applies to everything wins over every allow.
          const lockedDown = build({
            ...document,
            rules: [...policy.rules, { id: 'lockdown', effect: 'deny' }],
          });
          if (lockedDown) {
            const denied = await createPolicyEngine({ policy: lockedDown }).decide(request);
            expect(denied.effect).toBe('deny');
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The generators reach the interesting cases, not only invalid documents.
    expect(valid).toBeGreaterThan(RUNS / 4);
    expect(allowed).toBeGreaterThan(RUNS / 100);
  }, 240_000);
});
