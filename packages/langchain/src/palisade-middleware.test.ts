import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { createAgent, createMiddleware, FakeToolCallingModel } from 'langchain';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardTool } from './guard-tool.js';
import { type PalisadeMiddlewareOptions, palisadeMiddleware } from './palisade-middleware.js';
import { AGENT_ID, AGENT_TOKEN, createTestSetup, type TestSetup } from './test-support/doubles.js';
import { ask, EFFECTS, supportAgent, toolResults } from './test-support/support-agent.js';

const DECISIONS = { get_ticket: 'allow', refund: 'approve' } as const;
const context = { credential: AGENT_TOKEN };

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
