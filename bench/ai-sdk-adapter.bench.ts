/**
 * AI SDK adapter benchmark: what `@palisade/ai-sdk` adds per tool call on top of core's `guard()`.
 *
 *   tsx --conditions=@palisade/source bench/ai-sdk-adapter.bench.ts
 *
 * Every row runs the same enforcement parts: a constant verifier and decider and a recorder that
 * records nothing, so the rows differ only by what the adapter does (translating the AI SDK call,
 * its input schema, the context, the message history). Measured in the same run:
 *
 * - floor: the tool body, called bare;
 * - core: `guard(tool).call(input, context)`, built once, with the same zod schema;
 * - adapter execute: the `execute` `guardTools()` returns, called as the AI SDK calls it (tool call
 *   id, a ten-message history, no abort signal);
 * - adapter toolApproval + execute: what an allowed call costs end to end in a `generateText` step
 *   (`toolApproval` decides ahead, `execute` decides again).
 *
 * Prints `bench ai-sdk-adapter case=<case> ... added_us=<adapter - core> ratio=<adapter / core>`;
 * the target is an added cost of at most 5 us per executed call.
 */

import { createToolApproval, guardTools } from '@palisade/ai-sdk';
import { guard } from '@palisade/core';
import { type ModelMessage, type ToolExecutionOptions, tool } from 'ai';
import { z } from 'zod';
import { allowAllEnforcement, percentile } from './support.js';

const SAMPLES = Number(process.env.ADAPTER_BENCH_SAMPLES ?? 20_000);
const WARMUP = 2_000;

const enforcement = allowAllEnforcement({
  agent: 'spiffe://bank.example/agent/banker',
  user: { id: 'alice', roles: ['customer'] },
  ruleId: 'customers-may-read',
});

const inputSchema = z.object({ account: z.string(), days: z.number().int().positive() });
const body = async ({ account, days }: { account: string; days: number }) => ({
  account,
  days,
  balance: 1200,
});

/** A realistic history: ten messages of user text, assistant tool calls and tool results. */
const messages: ModelMessage[] = [];
for (let turn = 0; turn < 3; turn += 1) {
  messages.push({ role: 'user', content: `What did I spend on groceries in week ${turn}?` });
  messages.push({
    role: 'assistant',
    content: [
      {
        type: 'tool-call',
        toolCallId: `old-${turn}`,
        toolName: 'get_balance',
        input: { account: 'main', days: 7 },
      },
    ],
  });
  messages.push({
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: `old-${turn}`,
        toolName: 'get_balance',
        output: { type: 'json', value: { balance: 1200 } },
      },
    ],
  });
}
messages.push({ role: 'user', content: 'And my balance over the last 30 days?' });

async function latency(fn: (index: number) => unknown): Promise<number> {
  for (let index = 0; index < WARMUP; index += 1) await fn(index);
  const times: number[] = [];
  for (let index = 0; index < SAMPLES; index += 1) {
    const start = performance.now();
    await fn(index);
    times.push((performance.now() - start) * 1000);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

const context = { credential: 'agent-token' };
const core = guard(
  { name: 'get_balance', description: 'Balance', inputSchema, effect: 'read', execute: body },
  enforcement,
);
const tools = guardTools(
  { get_balance: tool({ description: 'Balance', inputSchema, execute: body }) },
  enforcement,
  { effects: { get_balance: 'read' }, context },
);
const toolApproval = createToolApproval(enforcement, { effects: { get_balance: 'read' }, context });
const execute = tools.get_balance.execute as (
  input: unknown,
  options: ToolExecutionOptions<unknown>,
) => Promise<unknown>;
const input = { account: 'main', days: 30 };
const options = (index: number): ToolExecutionOptions<unknown> => ({
  toolCallId: `call-${index}`,
  messages,
  context: undefined,
});

const floor = await latency(() => body(input));
const guarded = await latency((index) => core.call(input, { ...context, callId: `call-${index}` }));
const adapterExecute = await latency((index) => execute(input, options(index)));
const endToEnd = await latency(async (index) => {
  const status = await toolApproval({
    toolCall: { toolCallId: `call-${index}`, toolName: 'get_balance', input },
    tools,
    toolsContext: {},
    runtimeContext: {},
    messages,
  });
  if (typeof status !== 'object' || status.type !== 'not-applicable') throw new Error('expected an allow');
  return execute(input, options(index));
});

console.log(
  `\nAI SDK adapter, allow path, stub verifier and decider (${SAMPLES} sequential calls), p50 in us`,
);
console.log(`floor: tool body, bare call        ${floor.toFixed(2)}`);
console.log(`core: guard().call                 ${guarded.toFixed(2)}`);
console.log(`adapter: guarded execute           ${adapterExecute.toFixed(2)}`);
console.log(`adapter: toolApproval + execute    ${endToEnd.toFixed(2)}`);
for (const [name, measured] of [
  ['execute', adapterExecute],
  ['tool-approval+execute', endToEnd],
] as const) {
  console.log(
    `bench ai-sdk-adapter case=${name} core_p50_us=${guarded.toFixed(2)} adapter_p50_us=${measured.toFixed(2)} added_us=${(measured - guarded).toFixed(2)} target_added_us=5 ratio=${(measured / guarded).toFixed(2)}`,
  );
}
