/**
 * MCP adapter benchmark: what `@palisade/mcp` adds per tool call on top of core's `guard()`.
 *
 *   tsx --conditions=@palisade/source bench/mcp-adapter.bench.ts
 *
 * Every row runs the same enforcement parts: a constant verifier and decider and a recorder that
 * records nothing, so the rows differ only by what the adapter does. Measured in the same run:
 *
 * - floor: the tool handler, called bare;
 * - core: `guard(tool).call(input, context)`, built once;
 * - server: the handler `guardServer()` installs, called as `McpServer` calls it (`args, extra`,
 *   the credential in `extra.authInfo`, the effect from the catalog);
 * - client: a `tools/call` through `guardClient()` to a transport that answers at once.
 *
 * Prints `bench mcp-adapter case=<case> ... added_us=<adapter - core> ratio=<adapter / core>`;
 * the target is an added cost of at most 5 us per call.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { guard, type StandardSchemaV1 } from '@palisade/core';
import { guardClient, guardServer } from '@palisade/mcp';
import { z } from 'zod';
import { allowAllEnforcement, percentile } from './support.js';

const SAMPLES = Number(process.env.ADAPTER_BENCH_SAMPLES ?? 20_000);
const WARMUP = 2_000;

const enforcement = allowAllEnforcement({
  agent: 'spiffe://acme.example/agent/support-bot',
  user: { id: 'alice', roles: ['support'] },
  ruleId: 'read-tickets',
});
const catalog = { get_ticket: { effect: 'read' as const, target: 'helpdesk' } };

const result = { content: [{ type: 'text' as const, text: 'Ticket T-1: printer on fire' }] };
const handler = async (_args: { id: string }) => result;
const objectSchema: StandardSchemaV1<unknown, { id: string }> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value: value as { id: string } }) },
};

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

const core = guard(
  {
    name: 'get_ticket',
    description: 'Read a ticket',
    inputSchema: objectSchema,
    effect: 'read',
    execute: handler,
  },
  enforcement,
);

const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement, {
  catalog,
  traceContext: false,
});
const registered = server.registerTool(
  'get_ticket',
  { description: 'Read a ticket', inputSchema: { id: z.string() } },
  handler,
);
const serverHandler = registered.handler as unknown as (args: unknown, extra: unknown) => Promise<unknown>;
const extra = (index: number) => ({
  signal: new AbortController().signal,
  requestId: index,
  sessionId: 'session-1',
  authInfo: { token: 'agent-token', clientId: 'support-bot', scopes: [] },
  sendNotification: async () => {},
  sendRequest: async () => ({}),
});

// A client whose transport answers every request at once.
const fakeClient = {
  request: async () => result,
  callTool: async () => result,
} as unknown as Client;
const client = guardClient(fakeClient, enforcement, {
  catalog,
  context: { credential: 'agent-token' },
  traceContext: false,
});

const input = { id: 'T-1' };
const floor = await latency(() => handler(input));
const guarded = await latency((index) =>
  core.call(input, { credential: 'agent-token', callId: `c-${index}` }),
);
const serverSide = await latency((index) => serverHandler({ id: 'T-1' }, extra(index)));
const clientSide = await latency(() =>
  client.request(
    { method: 'tools/call', params: { name: 'get_ticket', arguments: { id: 'T-1' } } },
    CallToolResultSchema,
  ),
);

console.log(`\nMCP adapter, allow path, stub verifier and decider (${SAMPLES} sequential calls), p50 in us`);
console.log(`floor: tool handler, bare call     ${floor.toFixed(2)}`);
console.log(`core: guard().call                 ${guarded.toFixed(2)}`);
console.log(`server: guarded handler            ${serverSide.toFixed(2)}`);
console.log(`client: guarded tools/call         ${clientSide.toFixed(2)}`);
for (const [name, measured] of [
  ['server', serverSide],
  ['client', clientSide],
] as const) {
  console.log(
    `bench mcp-adapter case=${name} core_p50_us=${guarded.toFixed(2)} adapter_p50_us=${measured.toFixed(2)} added_us=${(measured - guarded).toFixed(2)} target_added_us=5 ratio=${(measured / guarded).toFixed(2)}`,
  );
}
