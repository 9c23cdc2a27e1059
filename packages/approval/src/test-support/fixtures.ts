import {
  type ApprovalGate,
  CredentialError,
  type CredentialVerifier,
  createMemoryRecorder,
  type Decider,
  type Decision,
  type Enforcement,
  type Principal,
} from '@palisade/core';
import type { HumanCredentials, HumanTokenVerifier, VerifiedHuman } from '../approver-check.js';

/** Principals by bearer token, for tests: two agents acting for users, and human approvers. */
export const PRINCIPALS: Readonly<Record<string, Principal>> = {
  'agent-token': principal('spiffe://acme.test/agent/support-bot', { id: 'alice', roles: ['support'] }),
  'other-agent-token': principal('spiffe://acme.test/agent/other-bot', { id: 'alice', roles: ['support'] }),
  'agent-for-carol-token': principal('spiffe://acme.test/agent/support-bot', {
    id: 'carol',
    roles: ['support'],
  }),
  'bob-token': principal('spiffe://acme.test/console', { id: 'bob', roles: ['approver'] }),
  'dave-token': principal('spiffe://acme.test/console', { id: 'dave', roles: ['viewer'] }),
  'alice-approver-token': principal('spiffe://acme.test/console', { id: 'alice', roles: ['approver'] }),
};

function principal(agent: string, user: { id: string; roles: string[] }): Principal {
  return {
    agent: { id: agent },
    user,
    delegation: [user.id, agent],
    scopes: [],
    claims: {},
  };
}

/** A verifier that knows the tokens of `PRINCIPALS` and nothing else. */
export function createTestVerifier(): CredentialVerifier {
  return {
    async verify(credential) {
      const found = PRINCIPALS[credential];
      if (!found) throw new CredentialError('unknown test token');
      return found;
    },
  };
}

/** The issuer of the people's tokens in tests (an identity provider), and the agent tokens' issuer. */
export const HUMAN_ISSUER = 'https://login.acme.test';
export const AGENT_ISSUER = 'palisade://acme.test';

/** Which tokens are people's, in tests. */
export const TEST_HUMANS: HumanCredentials = { issuers: [HUMAN_ISSUER] };

const human = (id: string, roles: string[], claims: Record<string, unknown> = {}): VerifiedHuman => ({
  id,
  roles,
  claims: { iss: HUMAN_ISSUER, sub: id, ...claims },
});

/**
 * Reviewers' user tokens, as a user-token verifier returns them: people (bob, dave, alice), and
 * credentials an attacker might present as a person's: an agent's token acting for bob (RFC 8693
 * `act`), a token of the agent issuer naming bob, a token whose subject is an agent.
 */
export const HUMANS: Readonly<Record<string, VerifiedHuman>> = {
  'bob-token': human('bob', ['approver']),
  'dave-token': human('dave', ['viewer']),
  'alice-approver-token': human('alice', ['approver']),
  'agent-acting-for-bob-token': human('bob', ['approver'], {
    act: { sub: 'spiffe://acme.test/agent/support-bot' },
  }),
  'agent-issuer-bob-token': human('bob', ['approver'], { iss: AGENT_ISSUER }),
  'agent-subject-token': human('spiffe://acme.test/agent/support-bot', ['approver']),
};

/** A user-token verifier that knows the tokens of `HUMANS` and nothing else. */
export function createTestHumanVerifier(): HumanTokenVerifier {
  return {
    async verify(token) {
      const found = HUMANS[token];
      if (!found) throw new CredentialError('unknown test user token');
      return found;
    },
  };
}

/** The approver check of most tests: people's tokens from `HUMAN_ISSUER`, with the `approver` role. */
export function testApprovers(roles: readonly string[] = ['approver']) {
  return { verifier: createTestHumanVerifier(), humans: TEST_HUMANS, roles };
}

/** A decider that asks for approval for everything but reads. */
export function createApproveDecider(): Decider {
  return {
    decide(request): Decision {
      return request.effect === 'read'
        ? {
            effect: 'allow',
            reason: 'reads are allowed',
            ruleIds: ['read'],
            policyVersion: 'test',
            obligations: [],
          }
        : {
            effect: 'approve',
            reason: 'persistent actions need a human',
            ruleIds: ['persistent'],
            policyVersion: 'test',
            obligations: [],
          };
    },
  };
}

/** The enforcement parts of a guarded call in tests, with `approvals` as the gate. */
export function createTestEnforcement(approvals: ApprovalGate | undefined): Enforcement {
  return {
    verifier: createTestVerifier(),
    decider: createApproveDecider(),
    recorder: createMemoryRecorder(),
    approvals,
  };
}

/** A Standard Schema that accepts any JSON object. */
export const anyObject = {
  '~standard': {
    version: 1 as const,
    vendor: 'test',
    validate: (value: unknown) =>
      typeof value === 'object' && value !== null
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'expected an object' }] },
  },
};
