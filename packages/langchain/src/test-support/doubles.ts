import {
  type ApprovalService,
  createApprovalGate,
  createApprovalService,
  createMemoryApprovalStore,
} from '@palisade/approval';
import {
  type ActionRequest,
  CredentialError,
  type CredentialVerifier,
  createCallScope,
  createMemoryRecorder,
  createMemorySessionStore,
  type Decider,
  type Decision,
  type DecisionEffect,
  type Enforcement,
  type MemoryRecorder,
  type Principal,
} from '@palisade/core';

export const AGENT_TOKEN = 'agent-token';
export const AGENT_ID = 'spiffe://acme.test/agent/support-bot';

/** Principals by bearer token: the support agent acting for alice, and bob the reviewer. */
const PRINCIPALS: Readonly<Record<string, Principal>> = {
  [AGENT_TOKEN]: {
    agent: { id: AGENT_ID },
    user: { id: 'alice', roles: ['support'], tenant: 'acme' },
    delegation: ['alice', AGENT_ID],
    scopes: [],
    claims: {},
  },
};

/** A verifier that knows the tokens above and refuses anything else. */
export function createTestVerifier(): CredentialVerifier {
  return {
    async verify(credential) {
      const principal = PRINCIPALS[credential];
      if (!principal) throw new CredentialError('unknown test token');
      return principal;
    },
  };
}

/** A decider from a map of tool name to effect; anything not in the map is denied. */
export function createMapDecider(
  effects: Readonly<Record<string, DecisionEffect>>,
  seen: ActionRequest[] = [],
): Decider {
  return {
    decide(request): Decision {
      seen.push(request);
      const effect = effects[request.name] ?? 'deny';
      return {
        effect,
        reason: effect === 'deny' ? `policy forbids ${request.name}` : `rule for ${request.name}`,
        ruleIds: effects[request.name] ? [`rule-${request.name}`] : [],
        policyVersion: 'test-v1',
        obligations: [],
      };
    },
  };
}

/** A complete test setup: enforcement parts, what they recorded, and the approval service. */
export interface TestSetup {
  readonly enforcement: Enforcement;
  readonly recorder: MemoryRecorder;
  readonly service: ApprovalService;
  /** Every request the decider saw. */
  readonly requests: ActionRequest[];
  /** Has bob decide on an approval request. */
  review(approvalId: string, approve: boolean, reason?: string): Promise<void>;
}

/** Builds an enforcement with the real approval service (memory store, interrupt mode). */
export function createTestSetup(effects: Readonly<Record<string, DecisionEffect>>): TestSetup {
  const recorder = createMemoryRecorder();
  const requests: ActionRequest[] = [];
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: (credential) => {
      if (credential !== 'bob-token') throw new Error('unknown approver');
      return { id: 'bob', roles: ['approver'], human: true };
    },
  });
  const enforcement: Enforcement = {
    verifier: createTestVerifier(),
    decider: createMapDecider(effects, requests),
    recorder,
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    sessions: createMemorySessionStore(),
    scope: createCallScope(),
  };
  return {
    enforcement,
    recorder,
    service,
    requests,
    async review(approvalId, approve, reason) {
      await service.decide({ approvalId, approve, approverCredential: 'bob-token', reason });
    },
  };
}
