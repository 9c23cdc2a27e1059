import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type ActionRequest, type Decision, type Enforcement, GuardFaultError } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardServer } from './guard-server.js';
import { readPalisadeMeta, withApprovalId } from './palisade-meta.js';
import { connect, createTestPalisade, decisions } from './test-support/fixtures.js';

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

/** A server with the four catalog tools; each handler is a spy. */
function supportServer(enforcement: Enforcement, options: Parameters<typeof guardServer>[2] = {}) {
  const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement, options);
  const handlers = {
    get_ticket: vi.fn(async ({ id }: { id: string }) => ({
      content: [{ type: 'text' as const, text: `Ticket ${id}: printer on fire` }],
    })),
    close_ticket: vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'closed' }] })),
    refund: vi.fn(async ({ amount }: { orderId: string; amount: number }) => ({
      content: [{ type: 'text' as const, text: `refunded ${amount}` }],
    })),
    send_email: vi.fn(async ({ to }: { to: string; body: string }) => ({
      content: [{ type: 'text' as const, text: `sent to ${to}` }],
    })),
  };
  server.registerTool(
    'get_ticket',
    { description: 'Read a ticket', inputSchema: { id: z.string() }, annotations: { readOnlyHint: true } },
    handlers.get_ticket,
  );
  server.registerTool(
    'close_ticket',
    { description: 'Close a ticket', inputSchema: { id: z.string() } },
    handlers.close_ticket,
  );
  server.registerTool(
    'refund',
    { description: 'Refund an order', inputSchema: { orderId: z.string(), amount: z.number() } },
    handlers.refund,
  );
  server.registerTool(
    'send_email',
    { description: 'Send an email', inputSchema: { to: z.string(), body: z.string() } },
    handlers.send_email,
  );
  return { server, handlers };
}

describe('guardServer()', () => {
  it('runs an allowed call with the credential from extra.authInfo', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('Ticket T-1: printer on fire');
    expect(handlers.get_ticket).toHaveBeenCalledOnce();
    expect(decisions(recorder.records)).toEqual(['allow:get_ticket']);
    expect(recorder.records[0]?.request?.principal.user?.id).toBe('alice');
    expect(recorder.records[0]?.outcome?.status).toBe('ok');
  });

  it('answers a denied call with an isError result and never runs the handler', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'close_ticket', arguments: { id: 'T-1' } });

    expect(result.isError).toBe(true);
    expect(text(result)).toContain('support agents may not close tickets');
    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_ACCESS_DENIED' });
    expect(handlers.close_ticket).not.toHaveBeenCalled();
    expect(decisions(recorder.records)).toEqual(['deny:close_ticket']);
  });

  it('denies a call that carries no credential, or an unknown one', async () => {
    const { enforcement, recorder } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const anonymous = await connect(server);
    const result = await anonymous.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_CREDENTIAL_INVALID' });

    const { server: second } = supportServer(enforcement);
    const forged = await connect(second, { token: 'forged-token' });
    const again = await forged.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
    expect(readPalisadeMeta(again)).toMatchObject({ outcome: 'denied', code: 'ERR_CREDENTIAL_INVALID' });

    expect(handlers.get_ticket).not.toHaveBeenCalled();
    expect(recorder.records.map((record) => record.outcome?.status)).toEqual(['denied', 'denied']);
  });

  it('pauses a call for approval and resumes it once, with the approval id in _meta', async () => {
    const { enforcement, recorder, review, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent });
    const params = { name: 'refund', arguments: { orderId: 'O-7', amount: 500 } };

    const paused = await client.callTool(params);
    const meta = readPalisadeMeta(paused);
    expect(paused.isError).toBe(true);
    expect(meta?.outcome).toBe('approval-required');
    if (meta?.outcome !== 'approval-required') throw new Error('expected an approval request');
    expect(text(paused)).toContain(meta.approvalId);
    expect(handlers.refund).not.toHaveBeenCalled();

    await review(meta.approvalId, true);
    const resumed = await client.callTool(withApprovalId(params, meta.approvalId));
    expect(text(resumed)).toBe('refunded 500');
    expect(handlers.refund).toHaveBeenCalledOnce();

    // Single use, and bound to the exact payload.
    const replayed = await client.callTool(withApprovalId(params, meta.approvalId));
    expect(readPalisadeMeta(replayed)).toMatchObject({ outcome: 'denied', code: 'ERR_APPROVAL_DENIED' });
    const changed = await client.callTool(
      withApprovalId({ name: 'refund', arguments: { orderId: 'O-7', amount: 5000 } }, meta.approvalId),
    );
    expect(readPalisadeMeta(changed)).toMatchObject({ outcome: 'denied', code: 'ERR_APPROVAL_DENIED' });
    expect(handlers.refund).toHaveBeenCalledOnce();
    expect(recorder.records.map((record) => record.outcome?.status)).toEqual([
      'pending-approval',
      'ok',
      'denied',
      'denied',
    ]);
  });

  it('denies a call whose approval the reviewer refused', async () => {
    const { enforcement, review, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent });
    const params = { name: 'refund', arguments: { orderId: 'O-8', amount: 900 } };

    const meta = readPalisadeMeta(await client.callTool(params));
    if (meta?.outcome !== 'approval-required') throw new Error('expected an approval request');
    await review(meta.approvalId, false, 'not this customer');
    const result = await client.callTool(withApprovalId(params, meta.approvalId));

    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_APPROVAL_DENIED' });
    expect(text(result)).toContain('not this customer');
    expect(handlers.refund).not.toHaveBeenCalled();
  });

  it('steps up to approval once the transport session read untrusted content', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent, sessionId: 'session-1' });
    const mail = { name: 'send_email', arguments: { to: 'alice@acme.test', body: 'hi' } };

    expect(text(await client.callTool(mail))).toBe('sent to alice@acme.test');
    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
    const stepped = await client.callTool(mail);

    expect(readPalisadeMeta(stepped)?.outcome).toBe('approval-required');
    expect(handlers.send_email).toHaveBeenCalledOnce();
    expect(decisions(recorder.records)).toEqual([
      'allow:send_email',
      'allow:get_ticket',
      'approve:send_email',
    ]);
    expect(recorder.records[2]?.request?.context.labels).toEqual(['tainted']);
  });

  it('takes the effect from the policy catalog, not from what the tool claims', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement);
    server.registerTool(
      'close_ticket',
      { inputSchema: { id: z.string() }, annotations: { readOnlyHint: true } },
      async () => ({ content: [{ type: 'text', text: 'closed' }] }),
    );
    const client = await connect(server, { token: tokens.agent });

    await client.callTool({ name: 'close_ticket', arguments: { id: 'T-1' } });

    expect(recorder.records[0]?.call).toMatchObject({ effect: 'write', target: 'helpdesk' });
    expect(decisions(recorder.records)).toEqual(['deny:close_ticket']);
  });

  describe('without a policy catalog', () => {
    /** A decider that allows reads and writes and denies everything else. */
    const decider = {
      decide(request: ActionRequest): Decision {
        const allowed = request.effect === 'read' || request.effect === 'write';
        return {
          effect: allowed ? 'allow' : 'deny',
          reason: allowed ? 'reads and writes are fine' : `no ${request.effect}`,
          ruleIds: [],
          policyVersion: 'test',
          obligations: [],
        };
      },
    };

    it('falls back to the annotations, and denies a tool nothing describes', async () => {
      const { enforcement, recorder, tokens } = await createTestPalisade({ decider });
      const server = guardServer(new McpServer({ name: 'kb', version: '1.0.0' }), enforcement, {
        tools: { publish: { effect: 'write', target: 'kb' } },
      });
      const body = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'ok' }] }));
      server.registerTool('search', { annotations: { readOnlyHint: true } }, body);
      server.registerTool('purge', { annotations: { destructiveHint: true } }, body);
      server.registerTool('publish', { annotations: { readOnlyHint: true } }, body);
      server.registerTool('mystery', { annotations: { title: 'Mystery' } }, body);
      const client = await connect(server, { token: tokens.agent });

      for (const name of ['search', 'purge', 'publish', 'mystery']) await client.callTool({ name });

      expect(
        recorder.records.map((record) => [record.call.name, record.call.effect, record.outcome?.status]),
      ).toEqual([
        ['search', 'read', 'ok'],
        ['purge', 'delete', 'denied'],
        ['publish', 'write', 'ok'],
        ['mystery', 'execute', 'denied'],
      ]);
      expect(recorder.records[2]?.call.target).toBe('kb');
      expect(body).toHaveBeenCalledTimes(2);
    });

    it('ignores annotations when told to, denying what they alone describe', async () => {
      const { enforcement, recorder, tokens } = await createTestPalisade({ decider });
      const server = guardServer(new McpServer({ name: 'kb', version: '1.0.0' }), enforcement, {
        annotations: 'ignore',
      });
      const body = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'ok' }] }));
      server.registerTool('search', { annotations: { readOnlyHint: true } }, body);
      const client = await connect(server, { token: tokens.agent });

      const result = await client.callTool({ name: 'search' });

      expect(text(result)).toContain('its effect is unknown');
      expect(body).not.toHaveBeenCalled();
      expect(recorder.records[0]?.outcome?.status).toBe('denied');
    });
  });

  it('keeps guarding callbacks swapped in later, legacy tool() registrations and renames', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement);
    const original = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'original' }] }));
    const swapped = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'swapped' }] }));
    const assigned = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'assigned' }] }));
    const legacy = vi.fn(async () => ({ content: [{ type: 'text' as const, text: 'legacy' }] }));
    const registered = server.registerTool('close_ticket', { inputSchema: { id: z.string() } }, original);
    server.tool('refund', 'Refund an order', { orderId: z.string(), amount: z.number() }, legacy);
    const client = await connect(server, { token: tokens.agent });

    registered.update({ callback: swapped });
    await client.callTool({ name: 'close_ticket', arguments: { id: 'T-1' } });
    await client.callTool({ name: 'refund', arguments: { orderId: 'O-1', amount: 20 } });
    registered.update({ name: 'get_ticket' });
    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-2' } });
    registered.handler = assigned;
    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-3' } });

    expect(original).not.toHaveBeenCalled();
    expect(swapped).toHaveBeenCalledOnce();
    expect(legacy).toHaveBeenCalledOnce();
    expect(assigned).toHaveBeenCalledOnce();
    expect(decisions(recorder.records)).toEqual([
      'deny:close_ticket',
      'allow:refund',
      'allow:get_ticket',
      'allow:get_ticket',
    ]);
  });

  it('guards a tool registered without an input schema', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement);
    const body = vi.fn(async (extra: { authInfo?: unknown }) => ({
      content: [{ type: 'text' as const, text: extra.authInfo ? 'with auth' : 'without' }],
    }));
    server.registerTool('get_ticket', { description: 'Read the current ticket' }, body);
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket' });

    expect(text(result)).toBe('with auth');
    expect(recorder.records[0]?.request?.input).toEqual({});
  });

  it('leaves errors of the handler itself to the SDK and records them', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const server = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement);
    server.registerTool('get_ticket', { inputSchema: { id: z.string() } }, async () => {
      throw new Error('helpdesk unreachable');
    });
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(result.isError).toBe(true);
    expect(text(result)).toBe('helpdesk unreachable');
    expect(readPalisadeMeta(result)).toBeUndefined();
    expect(recorder.records[0]?.outcome?.status).toBe('error');
  });

  it('fails closed when a part of the loop throws, without leaking the internal error', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade({
      verifier: {
        async verify() {
          throw new Error('key store at 10.0.0.7 unreachable');
        },
      },
    });
    const { server, handlers } = supportServer(enforcement);
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_GUARD_FAULT' });
    expect(text(result)).toBe('Denied "get_ticket": an internal check failed at the verify stage');
    expect(handlers.get_ticket).not.toHaveBeenCalled();
    const outcome = recorder.records[0]?.outcome;
    expect(outcome?.status).toBe('denied');
    expect(outcome && 'error' in outcome && GuardFaultError.isInstance(outcome.error)).toBe(true);
  });

  it('denies, and records, a call whose context cannot be read', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement, {
      context: () => {
        throw new Error('session store offline');
      },
    });
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied', code: 'ERR_GUARD_FAULT' });
    expect(text(result)).not.toContain('offline');
    expect(handlers.get_ticket).not.toHaveBeenCalled();
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('denies every call when the catalog in force is malformed', async () => {
    const { enforcement, tokens } = await createTestPalisade();
    const { server, handlers } = supportServer(enforcement, {
      catalog: () => ({ get_ticket: { effect: 'peek' } }) as never,
    });
    const client = await connect(server, { token: tokens.agent });

    const result = await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(readPalisadeMeta(result)).toMatchObject({ outcome: 'denied' });
    expect(handlers.get_ticket).not.toHaveBeenCalled();
  });

  it('reads the credential and the session where the options say', async () => {
    const { enforcement, recorder, tokens } = await createTestPalisade();
    const { server } = supportServer(enforcement, {
      credential: (extra) => extra.authInfo?.extra?.agentToken as string | undefined,
      context: () => ({ sessionId: 'from-options', userMessages: ['refund O-1 please'] }),
    });
    const [clientTransport, serverTransport] = (
      await import('@modelcontextprotocol/sdk/inMemory.js')
    ).InMemoryTransport.createLinkedPair();
    const { withAuthInfo } = await import('./with-auth-info.js');
    await server.connect(
      withAuthInfo(serverTransport, {
        token: 'oauth-access-token',
        clientId: 'c',
        scopes: [],
        extra: { agentToken: tokens.agent },
      }),
    );
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(clientTransport);

    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });

    expect(decisions(recorder.records)).toEqual(['allow:get_ticket']);
    expect(recorder.records[0]?.request?.context).toMatchObject({
      sessionId: 'from-options',
      userMessages: ['refund O-1 please'],
    });
  });

  it('joins the trace found in the request _meta', async () => {
    const { enforcement, tokens } = await createTestPalisade();
    const seen: unknown[] = [];
    const { server } = supportServer(enforcement, {
      traceContext: async (carrier, run) => {
        seen.push(carrier.traceparent);
        return run();
      },
    });
    const client = await connect(server, { token: tokens.agent });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

    await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' }, _meta: { traceparent } });

    expect(seen).toEqual([traceparent]);
  });

  it('refuses misuse when it is set up', async () => {
    const { enforcement } = await createTestPalisade();
    const used = new McpServer({ name: 'support', version: '1.0.0' });
    used.registerTool('get_ticket', {}, async () => ({ content: [] }));
    expect(() => guardServer(used, enforcement)).toThrow(/already registered/);

    const guarded = guardServer(new McpServer({ name: 'support', version: '1.0.0' }), enforcement);
    expect(() => guardServer(guarded, enforcement)).toThrow(/already guarded/);
    expect(() =>
      guarded.experimental.tasks.registerToolTask(
        'slow',
        {},
        {
          createTask: async () => ({ task: {} }) as never,
          getTask: async () => ({}) as never,
          getTaskResult: async () => ({}) as never,
        },
      ),
    ).toThrow(/task-based tools/);
    expect(() => guarded.registerTool('x', {}, 'not a function' as never)).toThrow(TypeError);

    const fresh = () => new McpServer({ name: 's', version: '1' });
    expect(() => guardServer({} as never, enforcement)).toThrow(/McpServer/);
    expect(() => guardServer(fresh(), { ...enforcement, verifier: undefined } as never)).toThrow(/verifier/);
    expect(() => guardServer(fresh(), enforcement, { tools: { x: 'peek' as never } })).toThrow(
      /tools\["x"\]/,
    );
    expect(() => guardServer(fresh(), enforcement, { annotations: 'trust' as never })).toThrow(/annotations/);
    expect(() => guardServer(fresh(), enforcement, { credential: 'token' as never })).toThrow(/credential/);
  });
});
