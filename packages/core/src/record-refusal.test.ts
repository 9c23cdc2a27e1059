import { describe, expect, it } from 'vitest';
import { AccessDeniedError, ApprovalRequiredError } from './errors.js';
import { createMemoryRecorder } from './memory-recorder.js';
import { recordRefusal } from './record-refusal.js';

const call = { kind: 'tool' as const, name: 'refund', effect: 'write' as const, callId: 'c1' };

describe('recordRefusal', () => {
  it('records a refusal as denied, and a pause as pending-approval with its decision', async () => {
    const recorder = createMemoryRecorder();
    const refusal = new AccessDeniedError('Denied "refund": unknown tool', {
      stage: 'decide',
      tool: 'refund',
    });
    await recordRefusal(recorder, call, refusal);
    const paused = new ApprovalRequiredError({
      approvalId: 'a-1',
      digest: 'd'.repeat(64),
      tool: 'refund',
      callId: 'c1',
      expiresAt: 1,
    });
    const decision = {
      effect: 'approve' as const,
      reason: 'r',
      ruleIds: ['x'],
      policyVersion: 'v',
      obligations: [],
    };
    const request = {
      kind: 'tool' as const,
      name: 'refund',
      effect: 'write' as const,
      target: undefined,
      input: {},
      callId: 'c1',
      principal: { agent: { id: 'a' }, delegation: [], scopes: [], claims: {} },
      context: { time: 0, labels: [], userMessages: [], attributes: {} },
    };
    await recordRefusal(recorder, call, paused, { request, decision });

    expect(recorder.records.map((record) => [record.outcome?.status, record.decision?.effect])).toEqual([
      ['denied', undefined],
      ['pending-approval', 'approve'],
    ]);
  });

  it('stays a refusal when the recorder fails', async () => {
    const failing = {
      record: async () => {
        throw new Error('audit down');
      },
    };
    await expect(
      recordRefusal(failing, call, new AccessDeniedError('Denied', { stage: 'decide' })),
    ).resolves.toBeUndefined();
  });
});
