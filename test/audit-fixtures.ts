/** A verifier, a decider and a schema for audit tests that run the real `guard()` loop. */
import type { CredentialVerifier, Decider, Decision, Principal, StandardSchemaV1 } from '@palisade/core';

export const PRINCIPAL: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot' },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', 'spiffe://acme.example/agent/support-bot'],
  scopes: [],
  task: 'T-7',
  claims: {},
};

export const verifier: CredentialVerifier = {
  async verify(credential) {
    if (credential !== 'token') throw new Error('unknown credential');
    return PRINCIPAL;
  },
};

export function decisionOf(effect: Decision['effect'], ruleId: string): Decision {
  return {
    effect,
    reason: `${effect} (${ruleId})`,
    ruleIds: [ruleId],
    policyVersion: 'sha256:test',
    obligations: [],
  };
}

/** Allows everything but the tools named in `deny`. */
export function decider(deny: readonly string[] = []): Decider {
  return {
    async decide(request) {
      return deny.includes(request.name) ? decisionOf('deny', 'no-send') : decisionOf('allow', 'allow-all');
    },
  };
}

export const anyInput: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'object' && value !== null
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'expected an object' }] },
  },
};
