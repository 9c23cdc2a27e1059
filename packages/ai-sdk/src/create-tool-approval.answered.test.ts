import { createMemoryApprovalStore } from '@palisade/approval';
import { createMemoryRecorder, type Enforcement, type MemoryRecorder } from '@palisade/core';
import { createPolicyEngine, parsePolicy } from '@palisade/policy';
import { type ModelMessage, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToolApproval, type ToolApprovalCall } from './create-tool-approval.js';
import { guardTools } from './guard-tools.js';
import { recordApprovalResponses } from './record-approval-responses.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, tokenVerifier } from './test-support/doubles.js';

const INPUT = { iban: 'DE89', amount: 5000 };
/** Transfers need a human and count against 6000 a day per user. */
const LIMITED_POLICY = `
name: bank
tools:
  sendMoney: { effect: send, target: payments }
rules:
  - id: customers-send
    effect: allow
    tools: [sendMoney]
    agents: ['spiffe://bank.test/agent/banker']
    roles: [customer]
  - id: transfers-need-a-human
    effect: approve
    tools: [sendMoney]
    reason: transfers need a human
limits:
  - id: transfers-per-day
    tools: [sendMoney]
    per: [user]
    window: 1d
    max: 6000
    sum: input.amount
`;
const TTL_MS = 60_000;
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

type Kind = 'provider-executed' | 'client-side';

/** A memory recorder that also keeps, for each recorded intent, the approval it was recorded with. */
function approvalTrackingRecorder(): MemoryRecorder & {
  readonly intents: Array<{ readonly callId: string; readonly approvalId: string | undefined }>;
} {
  const memory = createMemoryRecorder();
  const intents: Array<{ callId: string; approvalId: string | undefined }> = [];
  return {
    records: memory.records,
    intents,
    record: (call, run) =>
      memory.record(call, (scope) =>
        run({
          decided: (request, decision) => scope.decided(request, decision),
          async intent(request, decision, details) {
            intents.push({ callId: call.callId, approvalId: details?.approvalId });
            await scope.intent(request, decision, details);
          },
          result: (outcome) => scope.result(outcome),
        }),
      ),
  };
}

/**
 * A transfer that needs a human, on a tool Palisade cannot wrap, proposed through `toolApproval`
 * (as `call-1`; `propose` proposes more). `enforcement` replaces parts of the default enforcement.
 */
async function proposedTransfer(
  kind: Kind,
  parts: ReturnType<typeof approvalParts> = approvalParts(),
  enforcement: Partial<Enforcement> = {},
) {
  const { service } = parts;
  closers.push(() => service.close());
  const recorder = approvalTrackingRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider([{ id: 'humans', when: () => true, effect: 'approve', reason: 'needs a human' }]),
    recorder,
    ...enforcement,
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
  const call = (
    messages: ModelMessage[],
    input: unknown = INPUT,
    toolCallId = 'call-1',
  ): ToolApprovalCall => ({
    toolCall: { toolCallId, toolName: 'sendMoney', input, ...providerExecuted },
    tools,
    toolsContext: {},
    runtimeContext: {},
    messages,
  });

  // The reason of each proposal (which names its Palisade approval) and the input it was made for.
  const proposals = new Map<string, { reason: string; input: unknown }>();
  const propose = async (toolCallId: string, input: unknown = INPUT) => {
    const asked = await toolApproval(call([{ role: 'user', content: 'pay' }], input, toolCallId));
    expect(asked).toMatchObject({ type: 'user-approval' });
    proposals.set(toolCallId, { reason: (asked as { reason: string }).reason, input });
  };
  await propose('call-1');
  const [pending] = await service.listPending();
  const answered = (approved: boolean, toolCallId = 'call-1'): ModelMessage[] => {
    const proposal = proposals.get(toolCallId)!;
    return [
      { role: 'user', content: 'pay' },
      {
        role: 'assistant',
        content: [
          {
            type: 'tool-call',
            toolCallId,
            toolName: 'sendMoney',
            input: proposal.input,
            ...providerExecuted,
          },
          {
            type: 'tool-approval-request',
            approvalId: `ai-${toolCallId}`,
            toolCallId,
            reason: proposal.reason,
          },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool-approval-response', approvalId: `ai-${toolCallId}`, approved }],
      },
    ];
  };
  const approve = async (toolCallId = 'call-1') => {
    const messages = answered(true, toolCallId);
    await recordApprovalResponses(messages, { approvals: service, approverCredential: 'reviewer-token' });
    return messages;
  };
  return { service, recorder, toolApproval, call, propose, answered, approve, pending: pending! };
}

describe.each<Kind>(['provider-executed', 'client-side'])(
  'createToolApproval, answered approval of a %s tool',
  (kind) => {
    it('uses the approval once: a replay of the same messages is denied', async () => {
      const { service, toolApproval, call, approve, pending } = await proposedTransfer(kind);
      const messages = await approve();
      // Recording the answer decides the request; it does not use it.
      expect((await service.get(pending.id))?.status).toBe('approved');

      expect(await toolApproval(call(messages))).toEqual({ type: 'not-applicable' });
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
      expect(await toolApproval(call(messages))).toEqual({ type: 'not-applicable' });
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
      expect(await toolApproval(call(messages))).toEqual({ type: 'not-applicable' });
    });

    it('meets the obligations of the decision: the approved use counts against a limit', async () => {
      const engine = createPolicyEngine({ policy: parsePolicy(LIMITED_POLICY) });
      const { toolApproval, call, propose, approve } = await proposedTransfer(kind, approvalParts(), {
        decider: engine,
        obligations: engine.obligationHandlers(),
      });
      expect(await toolApproval(call(await approve()))).toEqual({ type: 'not-applicable' });

      // 5000 of the 6000 a day are used: another approved transfer of 5000 passes the limit.
      await propose('call-2');
      expect(await toolApproval(call(await approve('call-2'), INPUT, 'call-2'))).toEqual({
        type: 'denied',
        reason: 'Limit "transfers-per-day" reached: 5000 + 5000 would pass 6000',
      });
      // The denied transfer counted nothing: 1000 still fit.
      const small = { ...INPUT, amount: 1000 };
      await propose('call-3', small);
      expect(await toolApproval(call(await approve('call-3'), small, 'call-3'))).toEqual({
        type: 'not-applicable',
      });
    });

    it('denies an approved use whose obligation has no handler, or whose handler fails', async () => {
      const obligated = (type: string): Partial<Enforcement> => ({
        decider: ruleDecider([
          {
            id: 'humans',
            when: () => true,
            effect: 'approve',
            reason: 'needs a human',
            obligations: [{ type }],
          },
        ]),
        obligations: {
          'notify-desk': {
            before: () => {
              throw new Error('desk unreachable');
            },
          },
        },
      });
      const unhandled = await proposedTransfer(kind, approvalParts(), obligated('escalate'));
      expect(await unhandled.toolApproval(unhandled.call(await unhandled.approve()))).toEqual({
        type: 'denied',
        reason: expect.stringContaining(
          'obligation "escalate" cannot be met for a tool Palisade does not execute',
        ),
      });
      const failing = await proposedTransfer(kind, approvalParts(), obligated('notify-desk'));
      expect(await failing.toolApproval(failing.call(await failing.approve()))).toEqual({
        type: 'denied',
        reason: expect.stringContaining('desk unreachable'),
      });
      for (const { recorder } of [unhandled, failing]) {
        expect(recorder.intents).toEqual([]);
        expect(recorder.records.at(-1)?.outcome?.status).toBe('denied');
      }
    });

    it('records the approved use once, with the intent and the approval it consumed', async () => {
      const { recorder, toolApproval, call, approve, pending } = await proposedTransfer(kind);
      const messages = await approve();
      expect(await toolApproval(call(messages))).toEqual({ type: 'not-applicable' });
      expect(await toolApproval(call(messages))).toMatchObject({ type: 'denied' });

      expect(recorder.intents).toEqual([{ callId: 'call-1', approvalId: pending.id }]);
      const used = recorder.records.filter((record) => record.outcome?.status === 'ok');
      expect(used).toHaveLength(1);
      expect(used[0]).toMatchObject({
        call: { name: 'sendMoney', callId: 'call-1' },
        decision: { effect: 'approve' },
        intent: true,
      });
      // The proposal, the use and the denied replay.
      expect(recorder.records.map((record) => record.outcome?.status)).toEqual([
        'pending-approval',
        'ok',
        'denied',
      ]);
    });
  },
);
