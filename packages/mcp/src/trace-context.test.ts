import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type Context,
  type ContextManager,
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardClient } from './guard-client.js';
import { guardServer } from './guard-server.js';
import { connect, createTestPalisade } from './test-support/fixtures.js';

/** The smallest real context manager: the active context follows async calls. */
function asyncContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable: () => manager,
    disable: () => {
      storage.disable();
      return manager;
    },
  };
  return manager;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('trace context through @opentelemetry/api, by default', () => {
  beforeAll(() => {
    context.setGlobalContextManager(asyncContextManager());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it("carries the client's span to the server in _meta.traceparent, and the server joins it", async () => {
    // One verifier on both sides: the server must accept the client's agent token.
    const palisade = await createTestPalisade();
    const mcp = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), palisade.enforcement);
    const seen: { meta: unknown; traceId: string | undefined }[] = [];
    mcp.registerTool(
      'refund',
      { inputSchema: { orderId: z.string(), amount: z.number() } },
      async (_args, extra) => {
        seen.push({
          meta: extra._meta?.traceparent,
          traceId: trace.getSpanContext(context.active())?.traceId,
        });
        return { content: [{ type: 'text', text: 'ok' }] };
      },
    );
    const guarded = guardClient(new Client({ name: 'agent', version: '1.0.0' }), palisade.enforcement, {
      context: { credential: palisade.tokens.agent },
    });
    await connect(mcp, { token: palisade.tokens.agent, client: guarded });

    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    await context.with(parent, () =>
      guarded.callTool({ name: 'refund', arguments: { orderId: 'O-1', amount: 5 } }),
    );

    expect(seen).toEqual([{ meta: `00-${TRACE_ID}-${SPAN_ID}-01`, traceId: TRACE_ID }]);
  });
});
