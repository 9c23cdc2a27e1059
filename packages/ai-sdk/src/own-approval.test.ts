import { createMemoryRecorder, type Enforcement } from '@palisade/core';
import {
  generateText,
  type ModelMessage,
  stepCountIs,
  type ToolApprovalConfiguration,
  type ToolSet,
  tool,
} from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardedToolSettings } from './guarded-tool-settings.js';
import { recordApprovalResponses } from './record-approval-responses.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, type TestRule, tokenVerifier } from './test-support/doubles.js';
import { scriptedModel } from './test-support/scripted-model.js';

// The policy allows reads and small transfers, sends large transfers to a human, denies deletes.
const RULES: readonly TestRule[] = [
  {
    id: 'large-transfers',
    when: (request) => request.name === 'sendMoney' && (request.input as { amount: number }).amount > 1000,
    effect: 'approve',
    reason: 'transfers over 1000 need a human',
  },
  { id: 'reads', when: (request) => request.effect === 'read', effect: 'allow', reason: 'reads are allowed' },
  { id: 'transfers', when: (request) => request.name === 'sendMoney', effect: 'allow', reason: 'small ok' },
];
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

interface SetupOptions {
  readonly needsApproval?: boolean | ((input: { amount: number }) => boolean) | undefined;
  readonly toolApproval?: ToolApprovalConfiguration<ToolSet, unknown> | undefined;
}

function setup(options: SetupOptions = {}) {
  const { service, gate } = approvalParts();
  closers.push(() => service.close());
  const ran: string[] = [];
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider(RULES),
    recorder,
    approvals: gate,
  };
  const settings = guardedToolSettings(
    {
      getBalance: tool({
        description: 'Balance',
        inputSchema: z.object({}),
        execute: async () => {
          ran.push('getBalance');
          return 1200;
        },
      }),
      sendMoney: tool({
        description: 'Send money',
        inputSchema: z.object({ amount: z.number() }),
        ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
        execute: async ({ amount }) => {
          ran.push(`sendMoney ${amount}`);
          return { sent: amount };
        },
      }),
      deleteAccount: tool({
        description: 'Delete the account',
        inputSchema: z.object({}),
        needsApproval: true,
        execute: async () => {
          ran.push('deleteAccount');
          return 'deleted';
        },
      }),
    },
    palisade,
    {
      effects: { getBalance: 'read', sendMoney: 'send', deleteAccount: 'delete' },
      context: { credential: 'agent-token' },
      approvals: service,
      toolApproval: options.toolApproval,
    },
  );
  return { service, recorder, settings, ran };
}

async function run(
  parts: ReturnType<typeof setup>,
  calls: Array<{ id: string; name: string; input: unknown }>,
) {
  const model = scriptedModel([{ toolCalls: calls }, { text: 'Done here.' }]);
  const messages: ModelMessage[] = [{ role: 'user', content: 'help' }];
  const result = await generateText({ model, ...parts.settings, messages, stopWhen: stepCountIs(3) });
  messages.push(...result.responseMessages);
  return { model, messages, result };
}

function approvalPartsIn(messages: readonly ModelMessage[]) {
  return messages.flatMap((message) =>
    typeof message.content === 'string'
      ? []
      : message.content.filter(
          (part) => part.type === 'tool-approval-request' || part.type === 'tool-approval-response',
        ),
  );
}

describe('toolApproval and the application approval settings', () => {
  it('adds no approval parts to the conversation for allowed calls', async () => {
    const parts = setup();
    const { messages, result } = await run(parts, [
      { id: 'c-1', name: 'getBalance', input: {} },
      { id: 'c-2', name: 'sendMoney', input: { amount: 20 } },
    ]);
    expect(parts.ran).toEqual(['getBalance', 'sendMoney 20']);
    expect(approvalPartsIn(messages)).toEqual([]);
    expect(result.steps.flatMap((step) => step.content).map((part) => part.type)).not.toContain(
      'tool-approval-request',
    );
  });

  it("asks the user when the tool's own needsApproval says so, though the policy allows", async () => {
    const parts = setup({ needsApproval: ({ amount }) => amount > 10 });
    const first = await run(parts, [{ id: 'c-1', name: 'sendMoney', input: { amount: 20 } }]);
    expect(parts.ran).toEqual([]);
    const request = first.result.content.find((part) => part.type === 'tool-approval-request');
    expect(request).toMatchObject({ toolCall: { toolCallId: 'c-1' } });
    expect(request?.isAutomatic).not.toBe(true);
    // The policy asked for no human: nothing was proposed in Palisade.
    expect(await parts.service.list({ status: 'pending' })).toEqual([]);

    first.messages.push({
      role: 'tool',
      content: [{ type: 'tool-approval-response', approvalId: request!.approvalId, approved: true }],
    });
    await generateText({
      model: first.model,
      ...parts.settings,
      messages: first.messages,
      stopWhen: stepCountIs(3),
    });
    expect(parts.ran).toEqual(['sendMoney 20']);
    // The guard decided again at execution and recorded the allowed call once.
    expect(parts.recorder.records.map((record) => [record.decision?.effect, record.outcome?.status])).toEqual(
      [['allow', 'ok']],
    );
  });

  it('needs a Palisade approval when the policy asks for one, whatever the tool says', async () => {
    const parts = setup({ needsApproval: false });
    const first = await run(parts, [{ id: 'c-1', name: 'sendMoney', input: { amount: 5000 } }]);
    const request = first.result.content.find((part) => part.type === 'tool-approval-request');
    expect(request?.reason).toMatch(/transfers over 1000 need a human \(Palisade approval .+\)$/);
    expect(await parts.service.list({ status: 'pending' })).toHaveLength(1);

    // The user's answer alone does not run it: the guard finds no recorded approval and refuses.
    first.messages.push({
      role: 'tool',
      content: [{ type: 'tool-approval-response', approvalId: request!.approvalId, approved: true }],
    });
    await generateText({
      model: first.model,
      ...parts.settings,
      messages: first.messages,
      stopWhen: stepCountIs(1),
    });
    expect(parts.ran).toEqual([]);

    // Recorded by an approver, it runs once.
    await recordApprovalResponses(first.messages, {
      approvals: parts.service,
      approverCredential: 'reviewer-token',
    });
    await generateText({
      model: first.model,
      ...parts.settings,
      messages: first.messages,
      stopWhen: stepCountIs(1),
    });
    expect(parts.ran).toEqual(['sendMoney 5000']);
  });

  it('denies a call the policy denies, though the tool only asks for approval', async () => {
    const parts = setup();
    const { model, result } = await run(parts, [{ id: 'c-1', name: 'deleteAccount', input: {} }]);
    expect(parts.ran).toEqual([]);
    expect(result.content.find((part) => part.type === 'tool-approval-request')?.isAutomatic).toBe(true);
    const toolMessage = model.doGenerateCalls.at(-1)?.prompt.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toEqual([
      expect.objectContaining({
        output: { type: 'execution-denied', reason: 'Denied "deleteAccount": no rule allows this' },
      }),
    ]);
  });

  it("denies what the application's own toolApproval denies, though the policy allows it; recorded", async () => {
    const parts = setup({
      toolApproval: { getBalance: { type: 'denied', reason: 'balances are off today' } },
    });
    const { model } = await run(parts, [{ id: 'c-1', name: 'getBalance', input: {} }]);
    expect(parts.ran).toEqual([]);
    const toolMessage = model.doGenerateCalls.at(-1)?.prompt.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toEqual([
      expect.objectContaining({
        output: { type: 'execution-denied', reason: 'Denied "getBalance": balances are off today' },
      }),
    ]);
    expect(parts.recorder.records).toEqual([
      expect.objectContaining({
        decision: expect.objectContaining({ effect: 'allow' }),
        outcome: expect.objectContaining({ status: 'denied' }),
      }),
    ]);
  });

  it("denies what the application's own toolApproval denies, though the policy asks a human: nothing is proposed", async () => {
    const parts = setup({ toolApproval: () => 'denied' });
    await run(parts, [{ id: 'c-1', name: 'sendMoney', input: { amount: 5000 } }]);
    expect(parts.ran).toEqual([]);
    expect(await parts.service.list({})).toEqual([]);
  });

  it("passes the application's generic and per-tool functions what the AI SDK passes them", async () => {
    const seen: unknown[] = [];
    const parts = setup({
      toolApproval: {
        sendMoney: (input, options) => {
          seen.push({ input, toolCallId: options.toolCallId, messages: options.messages.length });
          return 'user-approval';
        },
      },
    });
    const { result } = await run(parts, [{ id: 'c-9', name: 'sendMoney', input: { amount: 3 } }]);
    expect(seen).toEqual([{ input: { amount: 3 }, toolCallId: 'c-9', messages: 1 }]);
    expect(result.content.find((part) => part.type === 'tool-approval-request')?.isAutomatic).not.toBe(true);
    expect(parts.ran).toEqual([]);
  });

  it('fails closed when the application approval throws or returns something else', async () => {
    for (const toolApproval of [
      () => {
        throw new Error('boom');
      },
      () => 'maybe' as never,
    ]) {
      const parts = setup({ toolApproval });
      await run(parts, [{ id: 'c-1', name: 'getBalance', input: {} }]);
      expect(parts.ran).toEqual([]);
      expect(parts.recorder.records[0]?.outcome?.status).toBe('denied');
    }
  });

  it('refuses a malformed toolApproval option when created', () => {
    const { service, gate } = approvalParts();
    closers.push(() => service.close());
    const palisade: Enforcement = {
      verifier: tokenVerifier(),
      decider: ruleDecider(RULES),
      recorder: createMemoryRecorder(),
      approvals: gate,
    };
    expect(() =>
      guardedToolSettings({}, palisade, { effects: {}, toolApproval: { getBalance: 'sometimes' as never } }),
    ).toThrow(TypeError);
    expect(() => guardedToolSettings({}, palisade, { effects: {}, toolApproval: 42 as never })).toThrow(
      TypeError,
    );
  });
});
