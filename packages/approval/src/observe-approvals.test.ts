import { actionDigest } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { createApprovalService } from './approval-service.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { type ApprovalTraceEvent, observeApprovals } from './observe-approvals.js';
import { testApprovers } from './test-support/fixtures.js';

describe('observeApprovals', () => {
  it('reports every step of an approval, without the payload, until stopped', async () => {
    const service = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: testApprovers(['approver']),
    });
    const seen: ApprovalTraceEvent[] = [];
    const stop = observeApprovals(service, (event) => seen.push(event));
    const request = await service.propose({
      tool: 'send_email',
      input: { secret: 'hunter2' },
      effect: 'send',
      callId: 'call-7',
      agent: { id: 'spiffe://acme.test/agent/mailer' },
      user: { id: 'alice', roles: [] },
      policy: { reason: 'sends need approval', ruleIds: ['r1'], policyVersion: 'v9' },
    });
    await service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' });
    await service.consume(request.id, 'b'.repeat(64));
    await service.consume(
      request.id,
      actionDigest({
        tool: 'send_email',
        input: { secret: 'hunter2' },
        agent: 'spiffe://acme.test/agent/mailer',
        user: 'alice',
      }),
    );
    const other = await service.propose({ tool: 'x', input: {}, effect: 'write', agent: { id: 'a' } });
    await service.cancel(other.id, 'timeout');
    stop();
    await service.propose({ tool: 'y', input: {}, effect: 'write', agent: { id: 'a' } });

    const common = {
      approvalId: request.id,
      tool: 'send_email',
      callId: 'call-7',
      agentId: 'spiffe://acme.test/agent/mailer',
      userId: 'alice',
    };
    expect(seen).toEqual([
      {
        ...common,
        phase: 'request',
        status: 'pending',
        digest: request.digest,
        ruleIds: ['r1'],
        policyVersion: 'v9',
      },
      {
        ...common,
        phase: 'decision',
        status: 'approved',
        digest: request.digest,
        reviewer: 'bob',
        ruleIds: ['r1'],
        policyVersion: 'v9',
      },
      {
        ...common,
        phase: 'consume',
        status: 'rejected',
        // The digest of the refused call, keyed like every digest the service shows.
        digest: service.digestOf('b'.repeat(64)),
        ruleIds: ['r1'],
        policyVersion: 'v9',
        error: expect.stringMatching(/covers a different action/),
      },
      {
        ...common,
        phase: 'consume',
        status: 'consumed',
        digest: request.digest,
        ruleIds: ['r1'],
        policyVersion: 'v9',
      },
      expect.objectContaining({ approvalId: other.id, phase: 'request', status: 'pending' }),
      expect.objectContaining({ approvalId: other.id, phase: 'decision', status: 'cancelled' }),
    ]);
    expect(JSON.stringify(seen)).not.toContain('hunter2');
    service.close();
  });
});
