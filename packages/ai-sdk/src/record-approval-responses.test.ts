import { ApproverRejectedError } from '@palisade/approval';
import {
  ApprovalDeniedError,
  createMemoryRecorder,
  type Enforcement,
  type MemoryRecorder,
} from '@palisade/core';
import { type ModelMessage, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApprovalLinkError } from './approval-link-error.js';
import { createToolApproval } from './create-tool-approval.js';
import { guardTools } from './guard-tools.js';
import { recordApprovalResponses } from './record-approval-responses.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, tokenVerifier } from './test-support/doubles.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

const INPUT = { iban: 'DE89', amount: 5000 };

async function pendingTransfer(options: { providerExecuted?: boolean } = {}) {
  const { service } = approvalParts();
  closers.push(() => service.close());
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider([
      { id: 'all-approve', when: () => true, effect: 'approve', reason: 'needs a human' },
    ]),
    recorder,
  };
  const shared = {
    effects: { sendMoney: 'send' } as const,
    context: { credential: 'agent-token' },
    approvals: service,
  };
  const sendMoney = options.providerExecuted
    ? {
        type: 'provider' as const,
        id: 'bank.send_money' as const,
        isProviderExecuted: true as const,
        args: {},
        inputSchema: z.object({ iban: z.string(), amount: z.number() }),
      }
    : tool({
        description: 'Send money',
        inputSchema: z.object({ iban: z.string(), amount: z.number() }),
        execute: async () => 'sent',
      });
  const tools = guardTools({ sendMoney }, palisade, { ...shared, unwrappable: 'tool-approval' });
  const status = await createToolApproval(
    palisade,
    shared,
  )({
    toolCall: { toolCallId: 'call-1', toolName: 'sendMoney', input: INPUT },
    tools,
    toolsContext: {},
    runtimeContext: {},
    messages: [{ role: 'user', content: 'pay' }],
  });
  const reason = (status as { reason: string }).reason;
  const [pending] = await service.listPending();
  const history = (approved: boolean, input: unknown = INPUT): ModelMessage[] => [
    { role: 'user', content: 'pay' },
    {
      role: 'assistant',
      content: [
        {
          type: 'tool-call',
          toolCallId: 'call-1',
          toolName: 'sendMoney',
          input,
          ...(options.providerExecuted ? { providerExecuted: true } : {}),
        },
        { type: 'tool-approval-request', approvalId: 'ai-1', toolCallId: 'call-1', reason },
      ],
    },
    {
      role: 'tool',
      content: [{ type: 'tool-approval-response', approvalId: 'ai-1', approved, reason: 'checked' }],
    },
  ];
  return { service, pending: pending!, history, palisade, recorder };
}

describe('recordApprovalResponses', () => {
  it("records the human's answer as a signed decision of the authenticated approver", async () => {
    const { service, pending, history } = await pendingTransfer();
    const recorded = await recordApprovalResponses(history(true), {
      approvals: service,
      approverCredential: 'reviewer-token',
    });
    expect(recorded).toEqual([
      {
        toolCallId: 'call-1',
        toolName: 'sendMoney',
        approvalId: pending.id,
        status: 'recorded',
        approved: true,
      },
    ]);
    const stored = await service.get(pending.id);
    expect(stored?.status).toBe('approved');
    expect(stored?.decision).toMatchObject({
      approver: 'rita',
      approve: true,
      reason: 'checked',
      digest: pending.digest,
    });
  });

  it('records a refused call once, as denied after an approve decision, through the recorder', async () => {
    const { service, pending, history, palisade, recorder } = await pendingTransfer();
    expect(refusalsIn(recorder)).toEqual([]);
    const options = { approvals: service, approverCredential: 'reviewer-token', palisade };
    await recordApprovalResponses(history(false), options);
    // The same messages again: the request is decided already, nothing new is recorded.
    await recordApprovalResponses(history(false), options);

    const refusals = refusalsIn(recorder);
    expect(refusals).toHaveLength(1);
    const [refusal] = refusals;
    expect(refusal?.call).toMatchObject({ name: 'sendMoney', callId: 'call-1', effect: 'send' });
    expect(refusal?.decision).toMatchObject({ effect: 'approve', ruleIds: ['all-approve'] });
    expect(refusal?.request).toMatchObject({ name: 'sendMoney', input: INPUT, callId: 'call-1' });
    expect(refusal?.outcome?.status).toBe('denied');
    const error = (refusal?.outcome as { error?: unknown } | undefined)?.error;
    expect(ApprovalDeniedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ approvalId: pending.id, code: 'ERR_APPROVAL_DENIED' });
    expect((error as Error).message).toBe('Approval refused for "sendMoney": checked');
  });

  it('records nothing for an approval, and rejects an enforcement without a recorder', async () => {
    const { service, history, palisade, recorder } = await pendingTransfer();
    const before = recorder.records.length;
    await recordApprovalResponses(history(true), {
      approvals: service,
      approverCredential: 'reviewer-token',
      palisade,
    });
    expect(recorder.records).toHaveLength(before);
    await expect(
      recordApprovalResponses(history(false), {
        approvals: service,
        approverCredential: 'reviewer-token',
        palisade: {} as never,
      }),
    ).rejects.toThrow(/options.palisade must be an enforcement with a recorder/);
  });

  it('leaves an earlier decision in place, so repeating a request changes nothing', async () => {
    const { service, pending, history } = await pendingTransfer();
    await service.decide({ approvalId: pending.id, approve: false, approverCredential: 'reviewer-token' });
    const recorded = await recordApprovalResponses(history(true), {
      approvals: service,
      approverCredential: 'reviewer-token',
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'already-decided', approved: false })]);
    expect((await service.get(pending.id))?.status).toBe('denied');
  });

  it('refuses approvers the service does not accept, recording nothing', async () => {
    const { service, pending, history } = await pendingTransfer();
    const self = await recordApprovalResponses(history(true), {
      approvals: service,
      approverCredential: 'alice-console-token',
    }).catch((error: unknown) => error);
    expect(ApproverRejectedError.isInstance(self)).toBe(true);
    await expect(
      recordApprovalResponses(history(true), { approvals: service, approverCredential: 'forged' }),
    ).rejects.toThrow();
    expect((await service.get(pending.id))?.status).toBe('pending');
  });

  it('refuses an answer whose tool call does not match the proposed request', async () => {
    const { service, pending, history } = await pendingTransfer();
    const altered = await recordApprovalResponses(history(true, { iban: 'DE89', amount: 50_000 }), {
      approvals: service,
      approverCredential: 'reviewer-token',
    }).catch((error: unknown) => error);
    expect(ApprovalLinkError.isInstance(altered)).toBe(true);
    expect((altered as ApprovalLinkError).approvalId).toBe(pending.id);

    const withoutCall = history(true).filter((_, index) => index !== 1);
    withoutCall.splice(1, 0, {
      role: 'assistant',
      content: [
        {
          type: 'tool-approval-request',
          approvalId: 'ai-1',
          toolCallId: 'call-1',
          reason: `x (Palisade approval ${pending.id})`,
        },
      ],
    });
    await expect(
      recordApprovalResponses(withoutCall, { approvals: service, approverCredential: 'reviewer-token' }),
    ).rejects.toThrow(/is not in the messages/);

    const unknown = structuredClone(history(true));
    const request = (unknown[1] as { content: Array<{ type: string; reason?: string }> }).content[1]!;
    request.reason = 'needs a human (Palisade approval 00000000-0000-4000-8000-000000000000)';
    await expect(
      recordApprovalResponses(unknown, { approvals: service, approverCredential: 'reviewer-token' }),
    ).rejects.toThrow(ApprovalLinkError);
    expect((await service.get(pending.id))?.status).toBe('pending');
  });

  it('ignores answers that are not for Palisade approvals, and histories not ending with answers', async () => {
    const { service, history } = await pendingTransfer();
    const options = { approvals: service, approverCredential: 'reviewer-token' };
    expect(await recordApprovalResponses(history(true).slice(0, 2), options)).toEqual([]);
    const automatic = structuredClone(history(true));
    const request = (automatic[1] as { content: Array<{ type: string; isAutomatic?: boolean }> }).content[1]!;
    request.isAutomatic = true;
    expect(await recordApprovalResponses(automatic, options)).toEqual([]);
    const foreign = structuredClone(history(true));
    (foreign[1] as { content: Array<{ reason?: string }> }).content[1]!.reason = 'asked by another library';
    expect(await recordApprovalResponses(foreign, options)).toEqual([]);
  });

  it('decides the approval of a provider-executed tool without using it (toolApproval uses it)', async () => {
    const { service, pending, history } = await pendingTransfer({ providerExecuted: true });
    const consumed: string[] = [];
    const recorded = await recordApprovalResponses(history(true), {
      approvals: {
        ...service,
        consume: async (approvalId: string, digest: string) => {
          consumed.push(approvalId);
          return service.consume(approvalId, digest);
        },
      },
      approverCredential: 'reviewer-token',
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'recorded', approved: true })]);
    expect(consumed).toEqual([]);
    expect((await service.get(pending.id))?.status).toBe('approved');
  });

  it('validates its options', async () => {
    const { service, history } = await pendingTransfer();
    await expect(
      recordApprovalResponses('x' as never, { approvals: service, approverCredential: 't' }),
    ).rejects.toThrow(/messages must be an array/);
    await expect(
      recordApprovalResponses(history(true), { approvals: {} as never, approverCredential: 't' }),
    ).rejects.toThrow(/approval service with get/);
    await expect(
      recordApprovalResponses(history(true), { approvals: service, approverCredential: '' }),
    ).rejects.toThrow(/approverCredential/);
  });
});

function refusalsIn(recorder: MemoryRecorder) {
  return recorder.records.filter((record) => record.outcome?.status === 'denied');
}
