/**
 * Attack (issue 12, item 5): an approval granted in session A (or for task A) is replayed, with the
 * same payload, in session B (or for task B) — same tool, input, agent and user.
 */
import {
  ApprovalDeniedError,
  ApprovalRequiredError,
  CredentialError,
  guard,
  type Principal,
} from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { createApprovalGate } from './approval-gate.js';
import { createApprovalService } from './approval-service.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { anyObject, createApproveDecider, testApprovers } from './test-support/fixtures.js';

const AGENT = 'spiffe://acme.test/agent/support-bot';
const principal = (task: string): Principal => ({
  agent: { id: AGENT },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', AGENT],
  scopes: [],
  task,
  claims: {},
});

function setup() {
  const service = createApprovalService({ store: createMemoryApprovalStore(), approvers: testApprovers() });
  const runs: string[] = [];
  const tool = guard(
    {
      name: 'issue_refund',
      description: 'Refund an order',
      inputSchema: anyObject,
      effect: 'write',
      execute: async (input: Record<string, unknown>) => {
        runs.push(String(input.order));
        return 'refunded';
      },
    },
    {
      verifier: {
        async verify(credential) {
          if (credential === 'task-a-token') return principal('task-a');
          if (credential === 'task-b-token') return principal('task-b');
          throw new CredentialError('unknown');
        },
      },
      decider: createApproveDecider(),
      recorder: { record: (_call, run) => run({ decided() {}, async intent() {}, result() {} }) },
      approvals: createApprovalGate({ service, mode: 'interrupt' }),
    },
  );
  return { service, tool, runs };
}

async function approvedIn(setupParts: ReturnType<typeof setup>, context: Record<string, string>) {
  const paused = await setupParts.tool.call({ order: 'A-17' }, context).catch((error: unknown) => error);
  if (!ApprovalRequiredError.isInstance(paused)) throw new Error(`expected a pause, got ${String(paused)}`);
  const { approvalId } = paused as ApprovalRequiredError;
  await setupParts.service.decide({ approvalId, approve: true, approverCredential: 'bob-token' });
  return approvalId;
}

describe('approvals are bound to their session and task', () => {
  it('an approval granted in session A cannot be used in session B with the same payload', async () => {
    const parts = setup();
    const approvalId = await approvedIn(parts, { credential: 'task-a-token', sessionId: 'session-a' });
    const replay = await parts.tool
      .call({ order: 'A-17' }, { credential: 'task-a-token', sessionId: 'session-b', approvalId })
      .catch((error: unknown) => error);
    expect(ApprovalDeniedError.isInstance(replay)).toBe(true);
    expect((replay as Error).message).toMatch(/session or task changed/);
    // Nor in a call with no session at all.
    const sessionless = await parts.tool
      .call({ order: 'A-17' }, { credential: 'task-a-token', approvalId })
      .catch((error: unknown) => error);
    expect(ApprovalDeniedError.isInstance(sessionless)).toBe(true);
    expect(parts.runs).toEqual([]);
    // The approval still works where it was granted, once.
    await expect(
      parts.tool.call({ order: 'A-17' }, { credential: 'task-a-token', sessionId: 'session-a', approvalId }),
    ).resolves.toBe('refunded');
    expect(parts.runs).toEqual(['A-17']);
  });

  it('an approval granted for task A cannot be used by a credential of task B', async () => {
    const parts = setup();
    const approvalId = await approvedIn(parts, { credential: 'task-a-token', sessionId: 's' });
    const replay = await parts.tool
      .call({ order: 'A-17' }, { credential: 'task-b-token', sessionId: 's', approvalId })
      .catch((error: unknown) => error);
    expect(ApprovalDeniedError.isInstance(replay)).toBe(true);
    expect(parts.runs).toEqual([]);
  });

  it('the stored request names its session and task for the reviewer', async () => {
    const parts = setup();
    const approvalId = await approvedIn(parts, { credential: 'task-a-token', sessionId: 'session-a' });
    expect(await parts.service.get(approvalId)).toMatchObject({ sessionId: 'session-a', task: 'task-a' });
  });
});
