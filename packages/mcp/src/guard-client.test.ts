import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type CallToolResult, CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  AccessDeniedError,
  type ActionRequest,
  ApprovalDeniedError,
  ApprovalRequiredError,
  createCallScope,
  type Decision,
  GuardFaultError,
} from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type GuardClientOptions, guardClient } from './guard-client.js';
import { readPalisadeMeta, withApprovalId } from './palisade-meta.js';
import { connect, createTestPalisade, decisions, type TestPalisade } from './test-support/fixtures.js';

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

/** An unguarded server whose tools record the arguments and `_meta` they receive. */
function plainServer() {
  const server = new McpServer({ name: 'support', version: '1.0.0' });
  const received: { name: string; arguments: unknown; meta: Record<string, unknown> | undefined }[] = [];
  const tool = (name: string, annotations: Record<string, boolean> = {}) =>
    server.registerTool(
      name,
      { inputSchema: { id: z.string().optional(), amount: z.number().optional() }, annotations },
      async (args, extra) => {
        received.push({ name, arguments: args, meta: extra._meta });
        return { content: [{ type: 'text', text: `${name} done` }] };
      },
    );
  tool('get_ticket', { readOnlyHint: true });
  tool('close_ticket');
  // The server claims a refund is read-only; the catalog says it is a write.
  tool('refund', { readOnlyHint: true });
  tool('send_email');
  tool('search', { readOnlyHint: true });
  tool('purge', { destructiveHint: true });
  tool('mystery');
  return { server, received };
}

async function guardedClient(palisade: TestPalisade, options: GuardClientOptions = {}) {
  const { server, received } = plainServer();
  const client = guardClient(new Client({ name: 'agent', version: '1.0.0' }), palisade.enforcement, {
    context: { credential: palisade.tokens.agent, sessionId: 'session-1' },
    traceContext: false,
    // These tests read the core errors; the default answers refusals as tool results (below).
    refusals: 'throw',
    ...options,
  });
  await connect(server, { client });
  return { client, received };
}

describe('guardClient(): refusals as tool results (the default)', () => {
  async function defaultClient(palisade: TestPalisade) {
    const { server, received } = plainServer();
    const client = guardClient(new Client({ name: 'agent', version: '1.0.0' }), palisade.enforcement, {
      context: { credential: palisade.tokens.agent, sessionId: 'session-1' },
      traceContext: false,
    });
    await connect(server, { client });
    return { client, received };
  }

  it('answers a denied call with an isError result the model can read; nothing is sent', async () => {
    const palisade = await createTestPalisade();
    const { client, received } = await defaultClient(palisade);

    const result = await client.callTool({ name: 'close_ticket', arguments: { id: 'T-1' } });

    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Denied "close_ticket": support agents may not close tickets');
    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_ACCESS_DENIED' });
    expect(received).toEqual([]);
    expect(decisions(palisade.recorder.records)).toEqual(['deny:close_ticket']);
  });

  it('answers a call that needs a human with the approval id, and resumes with it once approved', async () => {
    const palisade = await createTestPalisade();
    const { client, received } = await defaultClient(palisade);
    const params = { name: 'refund', arguments: { id: 'O-7', amount: 500 } };

    const paused = await client.callTool(params);
    const meta = readPalisadeMeta(paused);
    expect(paused.isError).toBe(true);
    if (meta?.outcome !== 'approval-required') throw new Error('expected approval-required');
    expect(received).toEqual([]);

    await palisade.review(meta.approvalId, true);
    expect(text(await client.callTool(withApprovalId(params, meta.approvalId)))).toBe('refund done');
    const replay = await client.callTool(withApprovalId(params, meta.approvalId));
    expect(readPalisadeMeta(replay)).toMatchObject({ outcome: 'denied', code: 'ERR_APPROVAL_DENIED' });
    expect(received).toHaveLength(1);
  });

  it('tells the model only the failed stage of a fault', async () => {
    const palisade = await createTestPalisade();
    const { server } = plainServer();
    const client = guardClient(new Client({ name: 'agent', version: '1.0.0' }), palisade.enforcement, {
      context: () => {
        throw new Error('vault password is hunter2');
      },
      traceContext: false,
    });
    await connect(server, { client });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
    expect(result.isError).toBe(true);
    expect(text(result)).not.toContain('hunter2');
    expect(readPalisadeMeta(result)).toMatchObject({ code: 'ERR_GUARD_FAULT' });
    // The host keeps the cause in its own record.
    expect(palisade.recorder.records[0]?.outcome).toMatchObject({ status: 'denied' });
  });
});

describe('guardClient()', () => {
  it('sends an allowed call, with the trace context in _meta', async () => {
    const palisade = await createTestPalisade();
    const { recorder } = palisade;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { client, received } = await guardedClient(palisade, {
      traceContext: (carrier) => {
        carrier.traceparent = traceparent;
      },
    });

    const result = await client.callTool({
      name: 'get_ticket',
      arguments: { id: 'T-1' },
      _meta: { progressToken: 7 },
    });

    expect(text(result)).toBe('get_ticket done');
    expect(received).toEqual([
      { name: 'get_ticket', arguments: { id: 'T-1' }, meta: { progressToken: 7, traceparent } },
    ]);
    expect(decisions(recorder.records)).toEqual(['allow:get_ticket']);
  });

  it('rejects a denied call with AccessDeniedError before anything is sent', async () => {
    const palisade = await createTestPalisade();
    const { recorder } = palisade;
    const { client, received } = await guardedClient(palisade);

    const error = await client
      .callTool({ name: 'close_ticket', arguments: { id: 'T-1' } })
      .catch((caught) => caught);

    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('support agents may not close tickets');
    expect(received).toEqual([]);
    expect(decisions(recorder.records)).toEqual(['deny:close_ticket']);
  });

  it('pauses with ApprovalRequiredError and resumes with the approval id', async () => {
    const palisade = await createTestPalisade();
    const { recorder, review } = palisade;
    const { client, received } = await guardedClient(palisade);
    const params = { name: 'refund', arguments: { id: 'O-7', amount: 500 } };

    const paused = await client.callTool(params).catch((caught) => caught);
    expect(ApprovalRequiredError.isInstance(paused)).toBe(true);
    expect(received).toEqual([]);

    await review(paused.approvalId, true);
    const resumed = await client.callTool(withApprovalId(params, paused.approvalId));
    expect(text(resumed)).toBe('refund done');
    expect(received).toHaveLength(1);

    const replayed = await client
      .callTool(withApprovalId(params, paused.approvalId))
      .catch((caught) => caught);
    expect(ApprovalDeniedError.isInstance(replayed)).toBe(true);
    expect(received).toHaveLength(1);
    // The catalog's effect, not the server's readOnlyHint, reached the policy.
    expect(recorder.records.map((record) => record.call.effect)).toEqual(['write', 'write', 'write']);
    expect(decisions(recorder.records)).toEqual(['approve:refund', 'approve:refund', 'approve:refund']);
  });

  it('steps up to approval after the session read untrusted content', async () => {
    const palisade = await createTestPalisade();
    const { recorder } = palisade;
    const { client } = await guardedClient(palisade);
    const mail = { name: 'send_email', arguments: {} };

    await client.callTool({ name: 'send_email', arguments: {} }).catch(() => undefined);
    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
    const stepped = await client.callTool(mail).catch((caught) => caught);

    expect(ApprovalRequiredError.isInstance(stepped)).toBe(true);
    expect(decisions(recorder.records)).toEqual([
      'allow:send_email',
      'allow:get_ticket',
      'approve:send_email',
    ]);
  });

  it('guards raw tools/call requests and task streams too', async () => {
    const palisade = await createTestPalisade();
    const { client, received } = await guardedClient(palisade);

    const raw = await client
      .request(
        { method: 'tools/call', params: { name: 'close_ticket', arguments: {} } },
        CallToolResultSchema,
      )
      .catch((caught) => caught);
    expect(AccessDeniedError.isInstance(raw)).toBe(true);

    const messages = [];
    for await (const message of client.experimental.tasks.callToolStream({
      name: 'close_ticket',
      arguments: {},
    })) {
      messages.push(message);
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]?.type).toBe('error');
    expect(received).toEqual([]);
  });

  it('takes the credential from a context function or the enforcement scope', async () => {
    const scope = createCallScope();
    const palisade = await createTestPalisade({ scope });
    const { recorder } = palisade;
    const context = vi.fn(() => ({ sessionId: 'session-2' }));
    const { client } = await guardedClient(palisade, { context });

    await scope.run({ credential: palisade.tokens.agent }, () =>
      client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } }),
    );
    const outside = await client
      .callTool({ name: 'get_ticket', arguments: { id: 'T-2' } })
      .catch((caught) => caught);

    expect(context).toHaveBeenCalledWith(expect.objectContaining({ name: 'get_ticket' }));
    expect(recorder.records[0]?.request?.context.sessionId).toBe('session-2');
    expect(outside.code).toBe('ERR_CREDENTIAL_INVALID');
  });

  it('denies, and records, a call whose context function throws', async () => {
    const palisade = await createTestPalisade();
    const { client, received } = await guardedClient(palisade, {
      context: () => {
        throw new Error('no token in the vault');
      },
    });

    const error = await client
      .callTool({ name: 'get_ticket', arguments: { id: 'T-1' } })
      .catch((caught) => caught);

    expect(GuardFaultError.isInstance(error)).toBe(true);
    expect(received).toEqual([]);
    expect(palisade.recorder.records[0]?.outcome?.status).toBe('denied');
  });

  describe('without a policy catalog', () => {
    const decider = {
      decide(request: ActionRequest): Decision {
        const allowed = request.effect === 'read';
        return {
          effect: allowed ? 'allow' : 'deny',
          reason: allowed ? 'reads are fine' : `no ${request.effect}`,
          ruleIds: [],
          policyVersion: 'test',
          obligations: [],
        };
      },
    };

    it("learns the server's annotations, and denies a tool nothing describes", async () => {
      const palisade = await createTestPalisade({ decider });
      const { recorder } = palisade;
      const { client, received } = await guardedClient(palisade, { tools: { mystery: 'read' } });

      await client.callTool({ name: 'search', arguments: {} });
      await client.callTool({ name: 'purge', arguments: {} }).catch(() => undefined);
      await client.callTool({ name: 'mystery', arguments: {} });
      const unknown = await client
        .callTool({ name: 'close_ticket', arguments: {} })
        .catch((caught) => caught);

      expect(unknown.message).toContain('its effect is unknown');
      expect(recorder.records.map((record) => [record.call.name, record.call.effect])).toEqual([
        ['search', 'read'],
        ['purge', 'delete'],
        ['mystery', 'read'],
        ['close_ticket', 'execute'],
      ]);
      expect(received.map((call) => call.name)).toEqual(['search', 'mystery']);
    });

    it('believes no annotation when told to ignore them', async () => {
      const palisade = await createTestPalisade({ decider });
      const { client, received } = await guardedClient(palisade, { annotations: 'ignore' });
      await client.listTools();

      const error = await client.callTool({ name: 'search', arguments: {} }).catch((caught) => caught);

      expect(AccessDeniedError.isInstance(error)).toBe(true);
      expect(received).toEqual([]);
    });

    it('denies when the tool list cannot be read', async () => {
      const palisade = await createTestPalisade({ decider });
      const client = guardClient(new Client({ name: 'agent', version: '1.0.0' }), palisade.enforcement, {
        context: { credential: palisade.tokens.agent },
        traceContext: false,
        refusals: 'throw',
      });

      const error = await client.callTool({ name: 'search', arguments: {} }).catch((caught) => caught);

      expect(AccessDeniedError.isInstance(error)).toBe(true);
      expect(error.message).toContain('Not connected');
    });
  });

  it('denies a tool name guard() cannot take, and records it', async () => {
    const palisade = await createTestPalisade();
    const { recorder } = palisade;
    const { client } = await guardedClient(palisade, { tools: { 'bad name!': 'read' } });

    const error = await client.callTool({ name: 'bad name!', arguments: {} }).catch((caught) => caught);

    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('refuses misuse when it is set up', async () => {
    const palisade = await createTestPalisade();
    const { enforcement } = palisade;
    const client = () => new Client({ name: 'agent', version: '1.0.0' });
    expect(() => guardClient({} as never, enforcement)).toThrow(/MCP Client/);
    expect(() => guardClient(client(), { ...enforcement, recorder: undefined } as never)).toThrow(/recorder/);
    expect(() => guardClient(client(), enforcement, { context: 'token' as never })).toThrow(/context/);
    expect(() => guardClient(client(), enforcement, { traceContext: true as never })).toThrow(/traceContext/);
    expect(() => guardClient(client(), enforcement, { catalog: 3 as never })).toThrow(/catalog/);
    expect(() => guardClient(client(), enforcement, { refusals: 'log' as never })).toThrow(/refusals/);
    const once = guardClient(client(), enforcement);
    expect(() => guardClient(once, enforcement)).toThrow(/already guarded/);
  });
});
