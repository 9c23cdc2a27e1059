import {
  type ActionRequest,
  CredentialError,
  type CredentialVerifier,
  type Decider,
  type Decision,
  type DecisionEffect,
  type Obligation,
  type Principal,
} from '@palisade/core';

/** Principals by bearer token: an agent acting for a user, and two human approvers. */
export const PRINCIPALS: Readonly<Record<string, Principal>> = {
  'agent-token': principal('spiffe://bank.test/agent/banker', { id: 'alice', roles: ['customer'] }),
  'reviewer-token': principal('spiffe://bank.test/console', { id: 'rita', roles: ['approver'] }),
  'alice-console-token': principal('spiffe://bank.test/console', { id: 'alice', roles: ['approver'] }),
};

function principal(agent: string, user: { id: string; roles: string[] }): Principal {
  return { agent: { id: agent }, user, delegation: [user.id, agent], scopes: [], claims: {} };
}

/** The issuer of reviewers' user tokens in tests (an identity provider, not the agent issuer). */
export const REVIEWER_ISSUER = 'https://login.bank.test';

/** Reviewers' user tokens, as a user-token verifier returns them: people, never agents. */
const REVIEWERS: Readonly<Record<string, { id: string; roles: string[] }>> = {
  'reviewer-token': { id: 'rita', roles: ['approver'] },
  'alice-console-token': { id: 'alice', roles: ['approver'] },
};

/**
 * The approver check of the tests: a user-token verifier that knows the reviewers' tokens of
 * `REVIEWERS`, tokens of `REVIEWER_ISSUER` being people's.
 */
export function reviewerApprovers(roles: readonly string[] = ['approver']) {
  return {
    verifier: {
      async verify(token: string) {
        const found = REVIEWERS[token];
        if (!found) throw new CredentialError('unknown reviewer token');
        return { ...found, claims: { iss: REVIEWER_ISSUER, sub: found.id } };
      },
    },
    humans: { issuers: [REVIEWER_ISSUER] },
    roles,
  };
}

/** A verifier that knows the tokens of `PRINCIPALS` and refuses anything else. */
export function tokenVerifier(): CredentialVerifier & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async verify(credential) {
      calls.push(credential);
      const found = PRINCIPALS[credential];
      if (!found) throw new CredentialError('unknown token');
      return found;
    },
  };
}

/** One rule of `ruleDecider`: the first whose `when` matches decides. */
export interface TestRule {
  readonly id: string;
  readonly when: (request: ActionRequest) => boolean;
  readonly effect: DecisionEffect;
  readonly reason: string;
  readonly obligations?: readonly Obligation[] | undefined;
}

/**
 * A decider over a list of rules, first match wins, default deny; it keeps every request it saw
 * so tests can compare the requests built at approval time and at execution.
 */
export function ruleDecider(rules: readonly TestRule[]): Decider & { readonly requests: ActionRequest[] } {
  const requests: ActionRequest[] = [];
  return {
    requests,
    decide(request): Decision {
      requests.push(request);
      const rule = rules.find((candidate) => candidate.when(request));
      if (!rule) {
        return {
          effect: 'deny',
          reason: 'no rule allows this',
          ruleIds: [],
          policyVersion: 'test',
          obligations: [],
        };
      }
      return {
        effect: rule.effect,
        reason: rule.reason,
        ruleIds: [rule.id],
        policyVersion: 'test',
        obligations: rule.obligations ?? [],
      };
    },
  };
}
