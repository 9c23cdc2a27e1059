import { describe, expect, it } from 'vitest';
import {
  APPROVAL_INTERRUPT_TYPE,
  type ApprovalInterrupt,
  isApprovalInterrupt,
  pendingApprovals,
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

describe('pendingApprovals', () => {
  it('lists the Palisade approvals of an invoke result and skips other interrupts', () => {
    const result = {
      messages: [],
      __interrupt__: [
        { id: 'i-1', value: approval },
        { id: 'i-2', value: { question: 'continue?' } },
      ],
    };
    expect(pendingApprovals(result)).toEqual([{ interruptId: 'i-1', approval }]);
  });

  it('reads a list of interrupts, and nothing from anything else', () => {
    expect(pendingApprovals([{ value: approval }])).toEqual([{ interruptId: undefined, approval }]);
    expect(pendingApprovals({ messages: [] })).toEqual([]);
    expect(pendingApprovals(undefined)).toEqual([]);
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
