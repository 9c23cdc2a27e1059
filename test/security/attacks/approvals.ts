/** Issue 12, items 4, 5 and 7: who approves, where an approval can be used, what leaves the store. */
import { createHash } from 'node:crypto';
import { createApprovalGate, createApprovalService, createMemoryApprovalStore } from '@palisade/approval';
import {
  ApprovalRequiredError,
  actionDigest,
  canonicalJson,
  type Decider,
  guard,
  type Principal,
} from '@palisade/core';
import { broken, defineAttack, held } from '../attack-scenario.js';

const AGENT = 'spiffe://acme.example/agent/support-bot';
const IDP = 'https://login.acme.example';
const principal = (task: string): Principal => ({
  agent: { id: AGENT },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', AGENT],
  scopes: [],
  task,
  claims: {},
});
const approve: Decider = {
  decide: () => ({
    effect: 'approve',
    reason: 'needs a human',
    ruleIds: ['r'],
    policyVersion: 'v',
    obligations: [],
  }),
};
const anyObject = {
  '~standard': {
    version: 1 as const,
    vendor: 'attack',
    validate: (value: unknown) => ({ value: value as Record<string, unknown> }),
  },
};

/** Reviewers' tokens as the identity provider's verifier returns them, and the agent's look-alikes. */
const TOKENS: Record<string, { id: string; roles: string[]; claims: Record<string, unknown> }> = {
  'bob-token': { id: 'bob', roles: ['approver'], claims: { iss: IDP } },
  'agent-for-bob': { id: 'bob', roles: ['approver'], claims: { iss: IDP, act: { sub: AGENT } } },
  'agent-issuer-bob': { id: 'bob', roles: ['approver'], claims: { iss: 'palisade://acme.example' } },
  'agent-subject': { id: AGENT, roles: ['approver'], claims: { iss: IDP } },
};

function world() {
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: {
      verifier: {
        async verify(token) {
          const found = TOKENS[token];
          if (!found) throw new Error('unknown token');
          return found;
        },
      },
      humans: { issuers: [IDP] },
      roles: ['approver'],
    },
  });
  const runs: unknown[] = [];
  const tool = guard(
    {
      name: 'unlock_account',
      description: 'unlocks',
      inputSchema: anyObject,
      effect: 'write',
      execute: async (input) => {
        runs.push(input);
        return 'unlocked';
      },
    },
    {
      verifier: {
        async verify(credential) {
          return principal(credential === 'task-b' ? 'task-b' : 'task-a');
        },
      },
      decider: approve,
      recorder: { record: (_call, run) => run({ decided() {}, async intent() {}, result() {} }) },
      approvals: createApprovalGate({ service, mode: 'interrupt' }),
    },
  );
  return { service, tool, runs };
}

async function paused(promise: Promise<unknown>): Promise<ApprovalRequiredError> {
  const error = await promise.catch((reason: unknown) => reason);
  if (!ApprovalRequiredError.isInstance(error)) throw new Error(`expected a pause, got ${String(error)}`);
  return error as ApprovalRequiredError;
}

export const attacks = [
  defineAttack({
    name: 'agent-token-approves',
    item: 4,
    summary: 'decide a pending approval with an agent credential (acting for the approver, or agent-issued)',
    async run() {
      const { service, tool } = world();
      const pause = await paused(tool.call({ account: 'A-1' }, { credential: 'task-a', sessionId: 's' }));
      for (const token of ['agent-for-bob', 'agent-issuer-bob', 'agent-subject']) {
        const accepted = await service
          .decide({ approvalId: pause.approvalId, approve: true, approverCredential: token })
          .then(
            () => true,
            () => false,
          );
        if (accepted) return broken(`the service accepted a decision made with ${token}`);
      }
      return held();
    },
  }),
  defineAttack({
    name: 'approval-replayed-in-another-session',
    item: 5,
    summary: 'use an approval granted in session A, with the same payload, in session B or for task B',
    async run() {
      const { service, tool, runs } = world();
      const pause = await paused(
        tool.call({ account: 'A-1' }, { credential: 'task-a', sessionId: 'session-a' }),
      );
      await service.decide({ approvalId: pause.approvalId, approve: true, approverCredential: 'bob-token' });
      const approvalId = pause.approvalId;
      await tool
        .call({ account: 'A-1' }, { credential: 'task-a', sessionId: 'session-b', approvalId })
        .catch(() => undefined);
      if (runs.length > 0) return broken('the approval of session A ran the call in session B');
      await tool
        .call({ account: 'A-1' }, { credential: 'task-b', sessionId: 'session-a', approvalId })
        .catch(() => undefined);
      if (runs.length > 0) return broken('the approval of task A ran the call for task B');
      return held();
    },
  }),
  defineAttack({
    name: 'approval-digest-pin-bruteforce',
    item: 7,
    summary: 'recover a 4-digit PIN from ApprovalRequiredError.digest / the stored digest by hashing guesses',
    async run() {
      const { service, tool } = world();
      const pause = await paused(tool.call({ pin: '4821' }, { credential: 'task-a', sessionId: 's' }));
      const stored = await service.get(pause.approvalId);
      for (const shown of [pause.digest, stored?.digest ?? '']) {
        for (let pin = 0; pin < 10_000; pin++) {
          const input = { pin: String(pin).padStart(4, '0') };
          const guesses = [
            actionDigest({
              tool: 'unlock_account',
              input,
              agent: AGENT,
              user: 'alice',
              session: 's',
              task: 'task-a',
            }),
            createHash('sha256').update(canonicalJson(input)).digest('hex'),
          ];
          if (guesses.includes(shown)) return broken(`recovered PIN ${input.pin} from a shown digest`);
        }
      }
      return held();
    },
  }),
];
