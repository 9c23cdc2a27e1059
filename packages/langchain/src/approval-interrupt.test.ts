import { describe, expect, it } from 'vitest';
import {
  APPROVAL_INTERRUPT_TYPE,
  type ApprovalInterrupt,
  isApprovalInterrupt,
  isReviewRequest,
  pendingApprovals,
  pendingReview,
  type ReviewRequest,
} from './approval-interrupt.js';

const approval: ApprovalInterrupt = {
  type: APPROVAL_INTERRUPT_TYPE,
  approvalId: 'a-1',
  digest: 'd'.repeat(64),
  expiresAt: 1,
  tool: 'refund',
  callId: 'r1',
  effect: 'execute',
  input: { amount: 1 },
  reason: 'refunds need a human',
  ruleIds: ['refund'],
  agent: 'spiffe://acme.test/agent/support-bot',
};

const review: ReviewRequest = {
  type: APPROVAL_INTERRUPT_TYPE,
  actionRequests: [
    { name: 'refund', args: { amount: 1 }, description: 'refunds need a human', palisade: approval },
  ],
  reviewConfigs: [{ actionName: 'refund', allowedDecisions: ['approve', 'reject'] }],
};

describe('pendingApprovals and pendingReview', () => {
  it('read the Palisade review of an invoke result and skip other interrupts', () => {
    const result = {
      messages: [],
      __interrupt__: [
        { id: 'i-0', value: { question: 'continue?' } },
        { id: 'i-1', value: review },
        // Each reviewed call of a step waits on the same request.
        { id: 'i-2', value: review },
      ],
    };
    expect(pendingApprovals(result)).toEqual([{ interruptId: 'i-1', approval }]);
    expect(pendingReview(result)).toBe(review);
  });

  it('read a list of interrupts, and nothing from anything else', () => {
    expect(pendingApprovals([{ value: review }])).toEqual([{ interruptId: undefined, approval }]);
    expect(pendingApprovals({ messages: [] })).toEqual([]);
    expect(pendingApprovals(undefined)).toEqual([]);
    expect(pendingReview({ __interrupt__: [{ value: approval }] })).toBeUndefined();
  });
});

describe('isReviewRequest', () => {
  it("recognises LangChain's HITL request carrying Palisade's facts for every action", () => {
    expect(isReviewRequest(review)).toBe(true);
    expect(isReviewRequest({ ...review, type: undefined })).toBe(false);
    expect(isReviewRequest({ ...review, reviewConfigs: [] })).toBe(false);
    expect(
      isReviewRequest({ ...review, actionRequests: [{ name: 'refund', args: {}, description: '' }] }),
    ).toBe(false);
  });
});

describe('isApprovalInterrupt', () => {
  it('recognises only complete approval interrupts', () => {
    expect(isApprovalInterrupt(approval)).toBe(true);
    expect(isApprovalInterrupt({ ...approval, type: 'other' })).toBe(false);
    expect(isApprovalInterrupt({ ...approval, approvalId: 1 })).toBe(false);
    expect(isApprovalInterrupt(null)).toBe(false);
  });
});
