/**
 * LangChain adapter benchmark: what Palisade adds to one tool call over a raw LangChain tool invoke,
 * on the allow path (a verified agent token, a policy allow, the default recorder), measured in one
 * run side by side:
 *
 *   1. `guardTool()`: the guarded tool invoked with a tool call, as an agent's tool node does, against
 *      the same tool invoked raw (the floor);
 *   2. `palisadeMiddleware()`'s `wrapToolCall`, called with the request a tool node builds, against
 *      the handler alone (the same raw invoke).
 *
 * Both run with a recorder that keeps nothing (the adapter and the loop), and `guardTool` once more with
 * `createPalisade()`'s default OpenTelemetry recorder (no SDK registered), whose cost is the audit
 * package's. The target is <= 5 us added per call. Rounds alternate the variants to share the
 * machine's noise; each figure is the median over rounds of the mean per call. `floor_us` is a bare
 * awaited function call in the same run, to scale the figures on a loaded machine.
 *
 *   tsx --conditions=@palisade/source bench/langchain-adapter.bench.ts
 */
import { tool } from '@langchain/core/tools';
import type { Enforcement } from '@palisade/core';
import { guardTool, palisadeMiddleware } from '@palisade/langchain';
import { createPalisade } from 'palisade';
import { z } from 'zod';
import { percentile } from './support.js';

const ROUNDS = Number(process.env.LANGCHAIN_BENCH_ROUNDS ?? 30);
const CALLS = Number(process.env.LANGCHAIN_BENCH_CALLS ?? 2000);
const AGENT = 'spiffe://acme.example/agent/support-bot';

const POLICY = `
name: support-desk
tools:
  get_ticket: { effect: read, target: helpdesk }
  update_crm: { effect: write, target: crm }
  refund: { effect: write, target: payments }
rules:
  - id: read-tickets
    effect: allow
    tools: [get_ticket]
    agents: ['${AGENT}']
    roles: [support]
  - id: read-tickets-leads
    effect: allow
    tools: [get_ticket]
    roles: [lead]
    when:
      input.id: { startsWith: 'T-' }
  - id: no-crm-writes
    effect: deny
    tools: [update_crm]
  - id: refunds
    effect: approve
    tools: [refund]
    agents: ['${AGENT}']
    roles: [support]
`;

async function main(): Promise<void> {
  const palisade = await createPalisade({
    trustDomain: 'acme.example',
    policy: POLICY,
    agents: [
      { name: 'support-bot', owner: 'team-support', purpose: 'Answer tickets', tools: ['get_ticket'] },
    ],
    monitor: false,
  });
  const credential = await palisade.identity!.issue({
    agent: 'support-bot',
    user: { id: 'alice', roles: ['support'] },
    ttlSeconds: 3600,
  });
  const raw = tool(async ({ id }: { id: string }) => `Ticket ${id}`, {
    name: 'get_ticket',
    description: 'Read a support ticket',
    schema: z.object({ id: z.string() }),
  });
  // The same enforcement with a recorder that keeps nothing: the adapter and the loop alone.
  const quiet: Enforcement = {
    ...palisade,
    recorder: { record: (_call, run) => run({ decided() {}, intent: async () => {}, result() {} }) },
  };
  const guarded = guardTool(raw, quiet, {});
  const spanned = guardTool(raw, palisade, {});
  const middleware = palisadeMiddleware(quiet, {});
  const wrapToolCall = middleware.wrapToolCall!;
  const context = { credential };
  let sequence = 0;
  const toolCall = () => ({
    type: 'tool_call' as const,
    id: `call-${++sequence}`,
    name: 'get_ticket',
    args: { id: 'T-1' },
  });
  const config = { context, configurable: { thread_id: 'bench' } };
  const request = () => {
    const call = toolCall();
    return {
      toolCall: call,
      tool: raw,
      state: { messages: [] },
      runtime: { context, configurable: { thread_id: 'bench' }, interrupt: undefined, signal: undefined },
    };
  };
  const handler = (toolRequest: { toolCall: ReturnType<typeof toolCall> }) =>
    raw.invoke(toolRequest.toolCall);

  // Each call must succeed, or the figures measure refusals.
  const check = await guarded.invoke(toolCall(), config);
  if (String((check as { content?: unknown }).content) !== 'Ticket T-1') {
    throw new Error(`the guarded call was not allowed: ${JSON.stringify(check)}`);
  }

  const bare = async (value: number) => value;
  const variants: Record<string, () => Promise<unknown>> = {
    floor: () => bare(1),
    raw: () => raw.invoke(toolCall(), { configurable: { thread_id: 'bench' } }),
    guardTool: () => guarded.invoke(toolCall(), config),
    guardToolSpans: () => spanned.invoke(toolCall(), config),
    handler: () => handler(request()),
    middleware: () => (wrapToolCall as (r: unknown, h: unknown) => Promise<unknown>)(request(), handler),
  };
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(variants).map((name) => [name, []]),
  );
  for (const run of Object.values(variants)) for (let index = 0; index < CALLS; index += 1) await run();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, run] of Object.entries(variants)) {
      const start = performance.now();
      for (let index = 0; index < CALLS; index += 1) await run();
      samples[name]!.push(((performance.now() - start) * 1000) / CALLS);
    }
  }
  const median = (name: string) =>
    percentile(
      [...samples[name]!].sort((a, b) => a - b),
      50,
    );
  const report = (label: string, floor: string, measured: string) => {
    const base = median(floor);
    const value = median(measured);
    console.log(
      `bench langchain-adapter ${label} raw_us=${base.toFixed(2)} guarded_us=${value.toFixed(2)} added_us=${(value - base).toFixed(2)} floor_us=${median('floor').toFixed(3)} target_added_us=5 ratio=${(value / base).toFixed(2)}`,
    );
  };
  report('guardTool', 'raw', 'guardTool');
  report('middleware', 'handler', 'middleware');
  report('guardTool+otel-recorder', 'raw', 'guardToolSpans');
  palisade.close();
}

await main();
