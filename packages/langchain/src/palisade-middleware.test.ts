import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { Command, MemorySaver } from '@langchain/langgraph';
import { actionDigest, CredentialError, type CredentialVerifier, TokenRevokedError } from '@palisade/core';
import { createAgent, createMiddleware, FakeToolCallingModel } from 'langchain';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type ApprovalInterrupt, pendingApprovals } from './approval-interrupt.js';
import { guardTool } from './guard-tool.js';
import { type PalisadeMiddlewareOptions, palisadeMiddleware } from './palisade-middleware.js';
import { AGENT_ID, AGENT_TOKEN, createTestSetup, type TestSetup } from './test-support/doubles.js';

const EFFECTS = { get_ticket: 'read', refund: 'execute', close_ticket: 'write' } as const;
const DECISIONS = { get_ticket: 'allow', refund: 'approve' } as const;
const context = { credential: AGENT_TOKEN };

type ScriptedCall = { name: string; args: Record<string, unknown>; id: string };

function supportAgent(
  setup: TestSetup,
  script: ScriptedCall[][],
  options: Partial<PalisadeMiddlewareOptions> & { version?: 'v1' | 'v2' } = {},
) {
  const bodies = {
    getTicket: vi.fn(async ({ id }: { id: string }) => `Ticket ${id}: printer on fire`),
    refund: vi.fn(async ({ amount }: { amount: number }) => `Refunded ${amount} EUR`),
    closeTicket: vi.fn(async ({ id }: { id: string }) => `Closed ${id}`),
  };
  const tools = [
    tool(bodies.getTicket, {
      name: 'get_ticket',
      description: 'Read a support ticket',
      schema: z.object({ id: z.string() }),
    }),
    tool(bodies.refund, {
      name: 'refund',
      description: 'Refund a customer',
      schema: z.object({ amount: z.number().positive() }),
    }),
    tool(bodies.closeTicket, {
      name: 'close_ticket',
      description: 'Close a ticket',
      schema: z.object({ id: z.string() }),
    }),
  ];
  const { version, ...middlewareOptions } = options;
  const agent = createAgent({
    model: new FakeToolCallingModel({ toolCalls: [...script, []] }),
    tools,
    middleware: [palisadeMiddleware(setup.enforcement, { effects: EFFECTS, ...middlewareOptions })],
    checkpointer: new MemorySaver(),
    ...(version ? { version } : {}),
  });
  return { agent, bodies };
}

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

function toolResults(result: { messages: unknown[] }) {
  return result.messages
    .filter((message) => ToolMessage.isInstance(message))
    .map((message) => ({
      id: message.tool_call_id,
      status: message.status,
      content: String(message.content),
    }));
}

describe('palisadeMiddleware', () => {
  it('runs allowed calls, answers denied ones with an error ToolMessage, and the agent continues', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [
      [
        { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
        { name: 'close_ticket', args: { id: 'T-1' }, id: 'c2' },
      ],
    ]);
    const result = await agent.invoke(ask('Close T-1'), { configurable: { thread_id: 'deny' }, context });

    expect(toolResults(result)).toEqual([
      { id: 'c1', status: 'success', content: 'Ticket T-1: printer on fire' },
      { id: 'c2', status: 'error', content: 'Denied "close_ticket": policy forbids close_ticket' },
    ]);
    expect(bodies.getTicket).toHaveBeenCalledTimes(1);
    expect(bodies.closeTicket).not.toHaveBeenCalled();
    expect(String(result.messages.at(-1)?.content)).toContain('Denied "close_ticket"');
    expect(setup.recorder.records.map((record) => [record.call.callId, record.outcome?.status])).toEqual([
      ['c1', 'ok'],
      ['c2', 'denied'],
    ]);
  });

  it('reads the credential from runtime.context and the session from the thread', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' }]]);

    const anonymous = await agent.invoke(ask('Read T-1'), { configurable: { thread_id: 'no-credential' } });
    expect(toolResults(anonymous)[0]).toMatchObject({
      status: 'error',
      content: 'No credential was presented for "get_ticket"',
    });
    expect(bodies.getTicket).not.toHaveBeenCalled();

    await agent.invoke(ask('Read T-1'), { configurable: { thread_id: 'with-credential' }, context });
    expect(bodies.getTicket).toHaveBeenCalledTimes(1);
    expect(setup.requests.at(-1)?.context.sessionId).toBe('with-credential');
    expect(setup.requests.at(-1)?.principal.agent.id).toBe(AGENT_ID);
  });

  it('denies and records a tool that is not in the catalog', async () => {
    const setup = createTestSetup({ ...DECISIONS, delete_everything: 'allow' });
    const rogue = vi.fn(async () => 'gone');
    const agent = createAgent({
      model: new FakeToolCallingModel({
        toolCalls: [[{ name: 'delete_everything', args: {}, id: 'x1' }], []],
      }),
      tools: [tool(rogue, { name: 'delete_everything', description: 'Oops', schema: z.object({}) })],
      middleware: [palisadeMiddleware(setup.enforcement, { effects: EFFECTS })],
    });
    const result = await agent.invoke(ask('Clean up'), { context });
    expect(toolResults(result)[0]).toMatchObject({
      status: 'error',
      content:
        'Denied "delete_everything": neither options.effects nor the policy\'s tool catalog declares its effect',
    });
    expect(rogue).not.toHaveBeenCalled();
    expect(setup.recorder.records[0]).toMatchObject({
      call: { name: 'delete_everything', callId: 'x1' },
      outcome: { status: 'denied' },
    });
  });

  it('pauses for approval, shows the exact call, and runs it once after the reviewer approved', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 120 }, id: 'r1' }]]);
    const config = { configurable: { thread_id: 'approve' }, context };

    const paused = await agent.invoke(ask('Refund 120'), config);
    const pending = pendingApprovals(paused);
    expect(pending).toHaveLength(1);
    const approval = pending[0]!.approval;
    expect(approval).toEqual({
      type: 'palisade.approval-required',
      approvalId: expect.any(String),
      digest: actionDigest({ tool: 'refund', input: { amount: 120 }, agent: AGENT_ID, user: 'alice' }),
      expiresAt: expect.any(Number),
      tool: 'refund',
      callId: 'r1',
      effect: 'execute',
      target: undefined,
      input: { amount: 120 },
      reason: 'rule for refund',
      ruleIds: ['rule-refund'],
      agent: AGENT_ID,
      user: 'alice',
    } satisfies Record<keyof ApprovalInterrupt, unknown>);
    expect(JSON.stringify(approval)).not.toContain(AGENT_TOKEN);
    expect(bodies.refund).not.toHaveBeenCalled();

    await setup.review(approval.approvalId, true);
    const done = await agent.invoke(new Command({ resume: { approvalId: approval.approvalId } }), config);

    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'success', content: 'Refunded 120 EUR' }]);
    expect(bodies.refund).toHaveBeenCalledTimes(1);
    expect((await setup.service.get(approval.approvalId))?.status).toBe('consumed');
    expect(setup.recorder.records.map((record) => [record.call.callId, record.outcome?.status])).toEqual([
      ['r1', 'pending-approval'],
      ['r1', 'ok'],
    ]);
  });

  it('turns a reviewer refusal into a denial the model sees', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 9000 }, id: 'r1' }]]);
    const config = { configurable: { thread_id: 'refuse' }, context };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 9000'), config));

    await setup.review(pending!.approval.approvalId, false, 'amount too high');
    const done = await agent.invoke(
      new Command({ resume: { approvalId: pending!.approval.approvalId } }),
      config,
    );

    expect(toolResults(done)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(done)[0]?.content).toMatch(/was denied by bob: amount too high/);
    expect(bodies.refund).not.toHaveBeenCalled();
  });

  it('needs the context again on resume: without it the call is denied and the approval stays unused', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]]);
    const thread = { configurable: { thread_id: 'context-lost' } };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 10'), { ...thread, context }));
    const { approvalId } = pending!.approval;
    await setup.review(approvalId, true);

    const done = await agent.invoke(new Command({ resume: { approvalId } }), thread);
    expect(toolResults(done)[0]).toMatchObject({
      status: 'error',
      content: 'No credential was presented for "refund"',
    });
    expect(bodies.refund).not.toHaveBeenCalled();
    expect((await setup.service.get(approvalId))?.status).toBe('approved');
  });

  it('never takes the resume value as a decision', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]]);
    const config = { configurable: { thread_id: 'forged' }, context };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 10'), config));

    // Not yet decided: resuming asks again instead of running.
    const again = await agent.invoke(
      new Command({ resume: { approvalId: pending!.approval.approvalId } }),
      config,
    );
    expect(pendingApprovals(again)[0]?.approval.approvalId).toBe(pending!.approval.approvalId);

    const forged = await agent.invoke(new Command({ resume: { approved: true } }), config);
    expect(toolResults(forged)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(forged)[0]?.content).toMatch(/resumed without an approval id/);
    expect(bodies.refund).not.toHaveBeenCalled();
    expect(setup.recorder.records.at(-1)?.outcome?.status).toBe('denied');
  });

  it('refuses an approval granted for a different call', async () => {
    const setup = createTestSetup(DECISIONS);
    const first = supportAgent(setup, [[{ name: 'refund', args: { amount: 5 }, id: 'small' }]]);
    const second = supportAgent(setup, [[{ name: 'refund', args: { amount: 5000 }, id: 'large' }]]);
    const [small] = pendingApprovals(
      await first.agent.invoke(ask('Refund 5'), { configurable: { thread_id: 'small' }, context }),
    );
    const largeConfig = { configurable: { thread_id: 'large' }, context };
    await second.agent.invoke(ask('Refund 5000'), largeConfig);
    await setup.review(small!.approval.approvalId, true);

    const done = await second.agent.invoke(
      new Command({ resume: { approvalId: small!.approval.approvalId } }),
      largeConfig,
    );
    expect(toolResults(done)[0]).toMatchObject({ status: 'error' });
    expect(second.bodies.refund).not.toHaveBeenCalled();
  });

  it('resumes several pending approvals by interrupt id', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [
      [
        { name: 'refund', args: { amount: 1 }, id: 'r1' },
        { name: 'refund', args: { amount: 2 }, id: 'r2' },
      ],
    ]);
    const config = { configurable: { thread_id: 'many' }, context };
    const pending = pendingApprovals(await agent.invoke(ask('Refund both'), config));
    expect(pending.map((entry) => entry.approval.callId).sort()).toEqual(['r1', 'r2']);

    const resume: Record<string, { approvalId: string }> = {};
    for (const { interruptId, approval } of pending) {
      await setup.review(approval.approvalId, true);
      resume[interruptId!] = { approvalId: approval.approvalId };
    }
    const done = await agent.invoke(new Command({ resume }), config);
    expect(toolResults(done).map((message) => message.status)).toEqual(['success', 'success']);
    expect(bodies.refund).toHaveBeenCalledTimes(2);
  });

  it.each(['v1', 'v2'] as const)(
    'is idempotent when LangGraph re-runs the tool node (%s): nothing proposed or run twice',
    async (version) => {
      const setup = createTestSetup(DECISIONS);
      const { agent, bodies } = supportAgent(
        setup,
        [
          [
            { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
            { name: 'refund', args: { amount: 30 }, id: 'r1' },
          ],
        ],
        { version },
      );
      const config = { configurable: { thread_id: `rerun-${version}` }, context };
      const [pending] = pendingApprovals(await agent.invoke(ask('Read and refund'), config));
      await setup.review(pending!.approval.approvalId, true);
      const done = await agent.invoke(
        new Command({ resume: { approvalId: pending!.approval.approvalId } }),
        config,
      );

      expect(toolResults(done).map((message) => [message.id, message.status])).toEqual([
        ['c1', 'success'],
        ['r1', 'success'],
      ]);
      expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      expect(bodies.refund).toHaveBeenCalledTimes(1);
      expect(await setup.service.list()).toHaveLength(1);
      expect(setup.recorder.records.map((record) => [record.call.callId, record.outcome?.status])).toEqual([
        ['c1', 'ok'],
        ['r1', 'pending-approval'],
        ['r1', 'ok'],
      ]);
    },
  );

  describe('a resume with another credential gets nothing the journal remembers', () => {
    /** The support agent for alice or mallory; a revoked token fails verification. */
    function withUsers(setup: TestSetup) {
      const revoked = new Set<string>();
      const users: Readonly<Record<string, string>> = { 'alice-token': 'alice', 'mallory-token': 'mallory' };
      const verifier: CredentialVerifier = {
        async verify(credential) {
          const user = users[credential];
          if (!user) throw new CredentialError('unknown test token');
          if (revoked.has(credential)) throw new TokenRevokedError('the token has been revoked');
          return {
            agent: { id: AGENT_ID },
            user: { id: user, roles: [] },
            delegation: [],
            scopes: [],
            claims: {},
          };
        },
      };
      return { setup: { ...setup, enforcement: { ...setup.enforcement, verifier } }, revoked };
    }

    async function pausedRun(thread: string) {
      const { setup, revoked } = withUsers(createTestSetup(DECISIONS));
      // v1 runs every call of a turn in one node, which LangGraph re-runs from its start on resume.
      const { agent, bodies } = supportAgent(
        setup,
        [
          [
            { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
            { name: 'refund', args: { amount: 30 }, id: 'r1' },
          ],
        ],
        { version: 'v1' },
      );
      const configurable = { thread_id: thread };
      const [pending] = pendingApprovals(
        await agent.invoke(ask('Read and refund'), { configurable, context: { credential: 'alice-token' } }),
      );
      const { approvalId } = pending!.approval;
      await setup.review(approvalId, true);
      const resume = (credential: string) =>
        agent.invoke(new Command({ resume: { approvalId } }), { configurable, context: { credential } });
      return { setup, revoked, bodies, resume };
    }

    it('denies a resume with a revoked token, and hands out no output', async () => {
      const { setup, revoked, bodies, resume } = await pausedRun('revoked');
      revoked.add('alice-token');
      const done = await resume('alice-token');

      expect(toolResults(done)).toEqual([
        { id: 'c1', status: 'error', content: 'the token has been revoked' },
        { id: 'r1', status: 'error', content: 'the token has been revoked' },
      ]);
      expect(JSON.stringify(done.messages)).not.toContain('printer on fire');
      expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      expect(bodies.refund).not.toHaveBeenCalled();
      // Both calls of the resumed node run concurrently: their refusals are recorded in either order.
      const outcomes = setup.recorder.records.map(
        (record) => `${record.call.callId} ${record.outcome?.status}`,
      );
      expect(outcomes.slice(0, 2)).toEqual(['c1 ok', 'r1 pending-approval']);
      expect(outcomes.slice(2).sort()).toEqual(['c1 denied', 'r1 denied']);
    });

    it("denies a resume with another user's token", async () => {
      const { bodies, resume } = await pausedRun('foreign');
      const done = await resume('mallory-token');

      const [read, refund] = toolResults(done);
      expect(read).toMatchObject({ id: 'c1', status: 'error' });
      expect(read?.content).toMatch(/already made for another principal/);
      expect(refund).toMatchObject({ id: 'r1', status: 'error' });
      expect(JSON.stringify(done.messages)).not.toContain('printer on fire');
      expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      expect(bodies.refund).not.toHaveBeenCalled();
    });

    it('still answers the same user from the journal', async () => {
      const { bodies, resume } = await pausedRun('same-user');
      const done = await resume('alice-token');

      expect(toolResults(done).map((message) => [message.id, message.status])).toEqual([
        ['c1', 'success'],
        ['r1', 'success'],
      ]);
      expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      expect(bodies.refund).toHaveBeenCalledTimes(1);
    });
  });

  it('guards dynamically registered tools, with the schema given in options', async () => {
    const setup = createTestSetup({ weather: 'allow' });
    const body = vi.fn(async ({ city }: { city: string }) => `Sunny in ${city}`);
    const weather = tool(body, {
      name: 'weather',
      description: 'Weather',
      schema: z.object({ city: z.string() }),
    });
    const dynamicTools = createMiddleware({
      name: 'DynamicTools',
      wrapToolCall: (request, handler) =>
        request.toolCall.name === 'weather' && !request.tool
          ? handler({ ...request, tool: weather })
          : handler(request),
    });
    const script = [
      [{ name: 'weather', args: { city: 'Oslo' }, id: 'w1' }],
      [{ name: 'weather', args: { city: 42 }, id: 'w2' }],
      [],
    ];
    const build = (schemas?: PalisadeMiddlewareOptions['schemas']) =>
      createAgent({
        model: new FakeToolCallingModel({ toolCalls: script }),
        tools: [],
        middleware: [
          palisadeMiddleware(setup.enforcement, {
            effects: { weather: 'read' },
            ...(schemas ? { schemas } : {}),
          }),
          dynamicTools,
        ],
      });

    const guarded = await build({ weather: z.object({ city: z.string() }) }).invoke(ask('Weather'), {
      context,
    });
    expect(toolResults(guarded)).toEqual([
      { id: 'w1', status: 'success', content: 'Sunny in Oslo' },
      { id: 'w2', status: 'error', content: expect.stringMatching(/^Invalid input for "weather": city: /) },
    ]);
    expect(body).toHaveBeenCalledTimes(1);

    const unknownSchema = await build().invoke(ask('Weather'), { context });
    expect(toolResults(unknownSchema)[0]?.status).toBe('error');
    expect(toolResults(unknownSchema)[0]?.content).toMatch(/no input schema Palisade can validate/);
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('passes tools already wrapped with guardTool through, so each call is decided once', async () => {
    const setup = createTestSetup(DECISIONS);
    const body = vi.fn(async () => 'Ticket T-1');
    const guarded = guardTool(
      tool(body, { name: 'get_ticket', description: 'Read', schema: z.object({ id: z.string() }) }),
      setup.enforcement,
      { effects: EFFECTS },
    );
    const agent = createAgent({
      model: new FakeToolCallingModel({
        toolCalls: [[{ name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' }], []],
      }),
      tools: [guarded],
      middleware: [palisadeMiddleware(setup.enforcement, { effects: EFFECTS })],
    });
    await agent.invoke(ask('Read'), { context });
    expect(body).toHaveBeenCalledTimes(1);
    expect(setup.requests).toHaveLength(1);
  });

  it('lets errors of the tool body propagate unchanged', async () => {
    const setup = createTestSetup({ get_ticket: 'allow' });
    const failure = new Error('ticket store down');
    const agent = createAgent({
      model: new FakeToolCallingModel({
        toolCalls: [[{ name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' }], []],
      }),
      tools: [
        tool(
          async () => {
            throw failure;
          },
          { name: 'get_ticket', description: 'Read', schema: z.object({ id: z.string() }) },
        ),
      ],
      middleware: [palisadeMiddleware(setup.enforcement, { effects: EFFECTS })],
    });
    await expect(agent.invoke(ask('Read'), { context })).rejects.toBe(failure);
    expect(setup.recorder.records[0]?.outcome?.status).toBe('error');
  });

  it('counts human messages as the user own messages only when told to', async () => {
    for (const trustHumanMessages of [false, true]) {
      const setup = createTestSetup(DECISIONS);
      const { agent } = supportAgent(setup, [[{ name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' }]], {
        trustHumanMessages,
      });
      await agent.invoke(ask('Please read T-1'), { configurable: { thread_id: 'human' }, context });
      expect(setup.requests[0]?.context.userMessages).toEqual(trustHumanMessages ? ['Please read T-1'] : []);
    }
  });

  it('validates its options when created', () => {
    const { enforcement } = createTestSetup(DECISIONS);
    expect(() => palisadeMiddleware(enforcement, { effects: { refund: 'spend' as never } })).toThrow(
      /options.effects\["refund"\] must be one of/,
    );
    expect(() =>
      palisadeMiddleware(enforcement, { effects: EFFECTS, schemas: { refund: {} as never } }),
    ).toThrow(/options.schemas\["refund"\] must be a Standard Schema/);
    expect(() => palisadeMiddleware(enforcement, { effects: EFFECTS, beforeModel: 'x' as never })).toThrow(
      /options.beforeModel must be a function/,
    );
    expect(() => palisadeMiddleware({} as never, { effects: EFFECTS })).toThrow(
      /enforcement.verifier is required/,
    );
    expect(() => palisadeMiddleware({ ...enforcement, decider: {} as never }, { effects: EFFECTS })).toThrow(
      /enforcement.decider is required/,
    );
  });
});

describe('palisadeMiddleware model screens', () => {
  it('beforeModel replaces messages by id before the model sees them', async () => {
    const setup = createTestSetup(DECISIONS);
    const seen: string[] = [];
    const { agent } = supportAgent(setup, [], {
      beforeModel: (messages, { call }) => {
        seen.push(call.credential ?? '');
        return messages
          .filter((message) => HumanMessage.isInstance(message))
          .map(
            (message) =>
              new HumanMessage({ id: message.id!, content: message.text.replace(/\d{16}/g, '[card]') }),
          );
      },
    });
    const result = await agent.invoke(ask('My card is 4111111111111111'), {
      configurable: { thread_id: 'screen-in' },
      context,
    });
    expect(seen).toEqual([AGENT_TOKEN]);
    expect(result.messages.map((message) => String(message.content))).toEqual([
      'My card is [card]',
      'My card is [card]',
    ]);
  });

  it('beforeModel must replace, never add: an output without a matching id stops the run', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent } = supportAgent(setup, [], {
      beforeModel: () => [new HumanMessage({ content: 'sneaked in' })],
    });
    await expect(
      agent.invoke(ask('hello'), { configurable: { thread_id: 'screen-bad' }, context }),
    ).rejects.toThrow(/does not replace one by id/);
  });

  it('afterModel sees each reply before its tool calls run and can replace it', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'close_ticket', args: { id: 'T-1' }, id: 'c1' }]],
      {
        afterModel: (message) =>
          message.tool_calls?.length
            ? new AIMessage({ id: message.id!, content: 'I will not close tickets.' })
            : undefined,
      },
    );
    const result = await agent.invoke(ask('Close T-1'), {
      configurable: { thread_id: 'screen-out' },
      context,
    });
    expect(bodies.closeTicket).not.toHaveBeenCalled();
    expect(result.messages.at(-1)?.content).toBe('I will not close tickets.');
    expect(setup.recorder.records).toHaveLength(0);
  });
});

describe('palisadeMiddleware with the policy catalog', () => {
  function withCatalog(tools: Readonly<Record<string, unknown>>): TestSetup {
    const setup = createTestSetup(DECISIONS);
    const decider = { decide: setup.enforcement.decider.decide, document: { tools } };
    return { ...setup, enforcement: { ...setup.enforcement, decider } };
  }

  it('guards a tool options.effects does not name with the effect and target of the catalog', async () => {
    const setup = withCatalog({ get_ticket: { effect: 'read', target: 'helpdesk' } });
    const { agent, bodies } = supportAgent(setup, [[{ name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' }]], {
      effects: {},
    });
    await agent.invoke(ask('Read T-1'), { configurable: { thread_id: 'catalog' }, context });
    expect(bodies.getTicket).toHaveBeenCalledTimes(1);
    expect(setup.requests.at(-1)).toMatchObject({ name: 'get_ticket', effect: 'read', target: 'helpdesk' });
  });

  it('denies and records calls to a tool neither names, or whose catalog entry is malformed', async () => {
    const setup = withCatalog({ get_ticket: { effect: 'peek' } });
    const { agent, bodies } = supportAgent(
      setup,
      [
        [
          { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
          { name: 'close_ticket', args: { id: 'T-1' }, id: 'c2' },
        ],
      ],
      { effects: {} },
    );
    const result = await agent.invoke(ask('Close T-1'), { configurable: { thread_id: 'bad' }, context });
    const [malformed, unknown] = toolResults(result);
    expect(malformed).toMatchObject({ status: 'error' });
    expect(unknown).toMatchObject({
      status: 'error',
      content:
        'Denied "close_ticket": neither options.effects nor the policy\'s tool catalog declares its effect',
    });
    expect(bodies.getTicket).not.toHaveBeenCalled();
    expect(bodies.closeTicket).not.toHaveBeenCalled();
    expect(setup.recorder.records.map((record) => record.outcome?.status)).toEqual(['denied', 'denied']);
    const fault = (setup.recorder.records[0]?.outcome as { error: Error } | undefined)?.error;
    expect(fault?.message).toMatch(/the tool catalog could not be read .*effect must be one of/);
  });
});
