/** Helpers shared by the benchmarks. */
import type { Enforcement, Principal } from '@palisade/core';

/** The `p`th percentile of samples sorted ascending (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Enforcement parts that cost as little as they can: a verifier that returns one principal, a
 * decider that allows with one rule, and a recorder that records nothing. The adapter benches run
 * on them so that what they measure is the adapter's own translation.
 */
export function allowAllEnforcement(options: {
  agent: string;
  user: { id: string; roles: string[] };
  ruleId: string;
}): Enforcement {
  const name = options.agent.split('/').pop() ?? options.agent;
  const principal: Principal = {
    agent: { id: options.agent, name },
    user: options.user,
    delegation: [options.user.id, options.agent],
    scopes: [],
    claims: {},
  };
  const decision = {
    effect: 'allow',
    reason: 'allowed',
    ruleIds: [options.ruleId],
    policyVersion: 'sha256:v1',
    obligations: [],
  } as const;
  return {
    verifier: { verify: async () => principal },
    decider: { decide: async () => decision },
    recorder: { record: (_call, run) => run({ decided() {}, async intent() {}, result() {} }) },
  };
}
