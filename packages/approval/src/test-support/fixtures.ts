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
