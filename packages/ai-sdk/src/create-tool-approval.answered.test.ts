import { createMemoryApprovalStore } from '@palisade/approval';
import { createMemoryRecorder, type Enforcement } from '@palisade/core';
import { type ModelMessage, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToolApproval, type ToolApprovalCall } from './create-tool-approval.js';
import { guardTools } from './guard-tools.js';
import { recordApprovalResponses } from './record-approval-responses.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, tokenVerifier } from './test-support/doubles.js';

const INPUT = { iban: 'DE89', amount: 5000 };
const TTL_MS = 60_000;
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

type Kind = 'provider-executed' | 'client-side';

/** A transfer that needs a human, on a tool Palisade cannot wrap, proposed through `toolApproval`. */
async function proposedTransfer(kind: Kind, parts: ReturnType<typeof approvalParts> = approvalParts()) {
  const { service } = parts;
  closers.push(() => service.close());
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider([{ id: 'humans', when: () => true, effect: 'approve', reason: 'needs a human' }]),
    recorder,
  };
  const inputSchema = z.object({ iban: z.string(), amount: z.number() });
  const sendMoney =
    kind === 'provider-executed'
      ? {
          type: 'provider' as const,
          id: 'bank.send_money' as const,
          isProviderExecuted: true as const,
          args: {},
          inputSchema,
        }
      : tool({ description: 'Send money from the browser', inputSchema, outputSchema: z.string() });
  const options = {
    effects: { sendMoney: 'send' } as const,
    context: { credential: 'agent-token' },
    approvals: service,
    ttlMs: TTL_MS,
  };
  const tools = guardTools({ sendMoney }, palisade, { ...options, unwrappable: 'tool-approval' });
  const toolApproval = createToolApproval(palisade, options);
  const providerExecuted = kind === 'provider-executed' ? { providerExecuted: true } : {};
  const call = (messages: ModelMessage[], input: unknown = INPUT): ToolApprovalCall => ({
    toolCall: { toolCallId: 'call-1', toolName: 'sendMoney', input, ...providerExecuted },
    tools,
    toolsContext: {},
    runtimeContext: {},
    messages,
  });

  const asked = await toolApproval(call([{ role: 'user', content: 'pay' }]));
  expect(asked).toMatchObject({ type: 'user-approval' });
  const [pending] = await service.listPending();
  const answered = (approved: boolean): ModelMessage[] => [
    { role: 'user', content: 'pay' },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'call-1', toolName: 'sendMoney', input: INPUT, ...providerExecuted },
        {
          type: 'tool-approval-request',
          approvalId: 'ai-1',
          toolCallId: 'call-1',
          reason: (asked as { reason: string }).reason,
        },
      ],
    },
    { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ai-1', approved }] },
  ];
  const approve = async () => {
    const messages = answered(true);
    await recordApprovalResponses(messages, { approvals: service, approverCredential: 'reviewer-token' });
    return messages;
  };
  return { service, recorder, toolApproval, call, answered, approve, pending: pending! };
}

describe.each<Kind>(['provider-executed', 'client-side'])(
  'createToolApproval, answered approval of a %s tool',
  (kind) => {
    it('uses the approval once: a replay of the same messages is denied', async () => {
      const { service, toolApproval, call, approve, pending } = await proposedTransfer(kind);
      const messages = await approve();
      // Recording the answer decides the request; it does not use it.
      expect((await service.get(pending.id))?.status).toBe('approved');

      expect(await toolApproval(call(messages))).toMatchObject({ type: 'approved' });
      expect((await service.get(pending.id))?.status).toBe('consumed');
      for (let replay = 0; replay < 3; replay++) {
        expect(await toolApproval(call(messages))).toEqual({
          type: 'denied',
          reason: `Denied "sendMoney": Approval ${pending.id} was already used; an approval covers one call`,
        });
      }
    });

    it('consumes the digest of the actual call: a changed input is denied and uses nothing', async () => {
      const { service, toolApproval, call, approve, pending } = await proposedTransfer(kind);
      const messages = await approve();
      expect(await toolApproval(call(messages, { ...INPUT, amount: 50_000 }))).toEqual({
        type: 'denied',
        reason: expect.stringMatching(/covers a different action/),
      });
      expect(await toolApproval(call(messages, { ...INPUT, iban: 'GB00' }))).toMatchObject({
        type: 'denied',
      });
      expect((await service.get(pending.id))?.status).toBe('approved');
      // The call that was approved still finds its approval, once.
      expect(await toolApproval(call(messages))).toMatchObject({ type: 'approved' });
      expect(await toolApproval(call(messages))).toMatchObject({ type: 'denied' });
    });

    it('denies an approval that expired before it was used', async () => {
      let clock = Date.UTC(2026, 0, 5, 9);
      const { toolApproval, call, approve, pending } = await proposedTransfer(
        kind,
        approvalParts({ now: () => clock }),
      );
      const messages = await approve();
      clock = pending.expiresAt;
      expect(await toolApproval(call(messages))).toEqual({
        type: 'denied',
        reason: `Denied "sendMoney": Approval ${pending.id} has expired`,
      });
    });

    it('denies an approval whose decision was not signed by the service', async () => {
      const store = createMemoryApprovalStore();
      const { toolApproval, call, answered, pending } = await proposedTransfer(
        kind,
        approvalParts({ store }),
      );
      // Another service over the same store, with its own key, records the approval.
      const { service: foreign } = approvalParts({ store });
      closers.push(() => foreign.close());
      await recordApprovalResponses(answered(true), {
        approvals: foreign,
        approverCredential: 'reviewer-token',
      });
      expect((await store.get(pending.id))?.status).toBe('approved');
      expect(await toolApproval(call(answered(true)))).toEqual({
        type: 'denied',
        reason: expect.stringMatching(/signature or binding does not verify/),
      });
    });

    it('denies an answer whose approval is not approved, or not recorded at all', async () => {
      const { service, toolApproval, call, answered, pending, recorder } = await proposedTransfer(kind);
      // The app did not record the answer: the request is still pending.
      expect(await toolApproval(call(answered(true)))).toEqual({
        type: 'denied',
        reason: `Denied "sendMoney": Approval ${pending.id} has not been decided yet`,
      });
      await service.decide({ approvalId: pending.id, approve: false, approverCredential: 'reviewer-token' });
      expect(await toolApproval(call(answered(true)))).toEqual({
        type: 'denied',
        reason: `Denied "sendMoney": Approval ${pending.id} was denied`,
      });
      expect(recorder.records.filter((record) => record.outcome?.status === 'denied')).toHaveLength(2);
    });

    it('denies an answer naming an approval of another call, or an unknown approval', async () => {
      const { toolApproval, call, approve, pending } = await proposedTransfer(kind);
      const messages = await approve();
      const otherCall = call(messages);
      const moved = {
        ...otherCall,
        toolCall: { ...otherCall.toolCall, toolCallId: 'call-2' },
        messages: messages.map((message) =>
          message.role === 'assistant' && Array.isArray(message.content)
            ? {
                ...message,
                content: message.content.map((part) => ({ ...part, toolCallId: 'call-2' })),
              }
            : message,
        ) as ModelMessage[],
      };
      expect(await toolApproval(moved)).toEqual({
        type: 'denied',
        reason: `Denied "sendMoney": approval ${pending.id} was given for another tool call (call-1)`,
      });

      const unknown = structuredClone(messages);
      const request = (unknown[1] as { content: Array<{ reason?: string }> }).content[1]!;
      request.reason = 'needs a human (Palisade approval 00000000-0000-4000-8000-000000000000)';
      expect(await toolApproval(call(unknown))).toEqual({
        type: 'denied',
        reason: 'Denied "sendMoney": approval 00000000-0000-4000-8000-000000000000 does not exist',
      });
      // Neither attempt used the approval.
      expect(await toolApproval(call(messages))).toMatchObject({ type: 'approved' });
    });
  },
);
