/**
 * Attack (issue 12, item 4): an agent decides an approval with its own credential — an agent token,
 * one acting for the approving user (RFC 8693 `act`), one of the agent issuer naming the approver,
 * one whose subject is an agent — on the service and through the console API.
 */
import { describe, expect, it } from 'vitest';
import { createApprovalConsole } from './approval-console.js';
import { createApprovalService } from './approval-service.js';
import { ApproverRejectedError } from './errors.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { createTestHumanVerifier, TEST_HUMANS, testApprovers } from './test-support/fixtures.js';

const proposal = {
  tool: 'issue_refund',
  input: { order: 'A-17', amount: 500 },
  effect: 'write' as const,
  agent: { id: 'spiffe://acme.test/agent/support-bot' },
  user: { id: 'alice', roles: ['support'] },
};

const AGENT_CREDENTIALS = [
  'agent-acting-for-bob-token',
  'agent-issuer-bob-token',
  'agent-subject-token',
] as const;

describe('only a human approves', () => {
  it.each(AGENT_CREDENTIALS)(
    'the service refuses %s with ERR_APPROVER_REJECTED (not-human)',
    async (token) => {
      const service = createApprovalService({
        store: createMemoryApprovalStore(),
        approvers: testApprovers(),
      });
      const request = await service.propose(proposal);
      const attempt = await service
        .decide({ approvalId: request.id, approve: true, approverCredential: token })
        .catch((error: unknown) => error);
      expect(ApproverRejectedError.isInstance(attempt)).toBe(true);
      expect((attempt as ApproverRejectedError).code).toBe('ERR_APPROVER_REJECTED');
      expect((attempt as ApproverRejectedError).rejection).toBe('not-human');
      expect((await service.get(request.id))?.status).toBe('pending');
      // A person with the same role decides normally.
      await expect(
        service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' }),
      ).resolves.toMatchObject({ approver: 'bob' });
    },
  );

  it('a function check must say the approver is human; one that does not is refused', async () => {
    const service = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: () => ({ id: 'bob', roles: ['approver'] }),
    });
    const request = await service.propose(proposal);
    await expect(
      service.decide({ approvalId: request.id, approve: true, approverCredential: 'anything' }),
    ).rejects.toSatisfy((error) => (error as ApproverRejectedError).rejection === 'not-human');
    const agentId = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: () => ({ id: 'spiffe://acme.test/agent/x', roles: ['approver'], human: true }),
    });
    const other = await agentId.propose(proposal);
    await expect(
      agentId.decide({ approvalId: other.id, approve: true, approverCredential: 'anything' }),
    ).rejects.toSatisfy((error) => (error as ApproverRejectedError).rejection === 'not-human');
  });

  it('which tokens are human is configuration: the issuer list, and token types when given', async () => {
    const typed = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: {
        verifier: createTestHumanVerifier(),
        humans: { ...TEST_HUMANS, tokenTypes: ['at+jwt'] },
        roles: ['approver'],
      },
    });
    const request = await typed.propose(proposal);
    // 'bob-token' is no JWS at all, so it has no token type: not a configured human token.
    await expect(
      typed.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' }),
    ).rejects.toSatisfy((error) => (error as ApproverRejectedError).rejection === 'not-human');
    expect(() =>
      createApprovalService({
        store: createMemoryApprovalStore(),
        approvers: { verifier: createTestHumanVerifier(), roles: ['approver'] } as never,
      }),
    ).toThrow(/humans/);
    expect(() =>
      createApprovalService({
        store: createMemoryApprovalStore(),
        approvers: {
          verifier: createTestHumanVerifier(),
          humans: { issuers: ['x'], tokenTypes: ['palisade-agent+jwt'] },
          roles: ['approver'],
        },
      }),
    ).toThrow(TypeError);
  });

  it.each(AGENT_CREDENTIALS)('the console API refuses %s (403, not-human)', async (token) => {
    const service = createApprovalService({ store: createMemoryApprovalStore(), approvers: testApprovers() });
    const running = await createApprovalConsole({ service }).listen();
    try {
      const request = await service.propose(proposal);
      const headers = { authorization: `Bearer ${token}` };
      const signIn = await fetch(new URL('api/session', running.url), { headers });
      expect(signIn.status).toBe(403);
      expect(((await signIn.json()) as { error: { code: string } }).error.code).toBe('not-human');
      const decided = await fetch(new URL(`api/approvals/${request.id}/approve`, running.url), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'x-palisade-csrf': 'x'.repeat(43) },
        body: JSON.stringify({ digest: request.digest }),
      });
      expect(decided.status).toBe(403);
      expect((await service.get(request.id))?.status).toBe('pending');
    } finally {
      await running.close();
      service.close();
    }
  });
});
