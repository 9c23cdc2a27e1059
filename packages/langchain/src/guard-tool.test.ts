import { ToolMessage } from '@langchain/core/messages';
import { DynamicTool, tool } from '@langchain/core/tools';
import { Command, MemorySaver } from '@langchain/langgraph';
import {
  AccessDeniedError,
  ApprovalRequiredError,
  CredentialError,
  type CredentialVerifier,
  GuardFaultError,
  TokenRevokedError,
} from '@palisade/core';
import { createAgent, FakeToolCallingModel } from 'langchain';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { pendingApprovals } from './approval-interrupt.js';
import { guardTool } from './guard-tool.js';
import { AGENT_TOKEN, createTestSetup } from './test-support/doubles.js';

function ticketTools() {
  const getTicket = vi.fn(async ({ id }: { id: string }) => `Ticket ${id}: printer on fire`);
  const refund = vi.fn(async ({ amount }: { amount: number }) => `Refunded ${amount} EUR`);
  const closeTicket = vi.fn(async ({ id }: { id: string }) => `Closed ${id}`);
  return {
    getTicket,
    refund,
    closeTicket,
    tools: {
      getTicket: tool(getTicket, {
        name: 'get_ticket',
        description: 'Read a support ticket',
        schema: z.object({ id: z.string().regex(/^T-\d+$/) }),
      }),
      refund: tool(refund, {
        name: 'refund',
        description: 'Refund a customer',
        schema: z.object({ amount: z.number().positive() }),
      }),
      closeTicket: tool(closeTicket, {
        name: 'close_ticket',
        description: 'Close a ticket',
        schema: z.object({ id: z.string() }),
      }),
    },
  };
}

const EFFECTS = { get_ticket: 'read', refund: 'execute', close_ticket: 'write' } as const;
const DECISIONS = { get_ticket: 'allow', refund: 'approve' } as const;
const context = { credential: AGENT_TOKEN };

describe('guardTool', () => {
  it('keeps the name, description, schema and other fields of the tool', () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const original = tool(async () => 'ok', {
      name: 'get_ticket',
      description: 'Read a support ticket',
      schema: z.object({ id: z.string() }),
      returnDirect: true,
      responseFormat: 'content',
      metadata: { team: 'support' },
    });
    const guarded = guardTool(original, enforcement, { effects: EFFECTS });
    expect(guarded.name).toBe('get_ticket');
    expect(guarded.description).toBe('Read a support ticket');
    expect(guarded.schema).toBe(original.schema);
    expect(guarded.returnDirect).toBe(true);
    expect(guarded.responseFormat).toBe('content');
    expect(guarded.metadata).toEqual({ team: 'support' });
  });

  it('refuses at creation a tool without an effect, a bad effect, an unusable schema or enforcement', () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools } = ticketTools();
    expect(() => guardTool(tools.getTicket, enforcement, { effects: {} })).toThrow(
      /"get_ticket" has no effect in options.effects/,
    );
    expect(() =>
      guardTool(tools.getTicket, enforcement, { effects: { get_ticket: 'peek' as never } }),
    ).toThrow(/options.effects\["get_ticket"\] must be one of/);
    expect(() => guardTool(tools.getTicket, enforcement, undefined as never)).toThrow(TypeError);
    expect(() =>
      guardTool(tools.getTicket, { ...enforcement, decider: undefined as never }, { effects: EFFECTS }),
    ).toThrow(/enforcement.decider is required/);
    const noSchema = { name: 'odd', description: '', schema: 'not a schema', invoke: async () => 'x' };
    expect(() => guardTool(noSchema as never, enforcement, { effects: { odd: 'read' } })).toThrow(
      /no input schema Palisade can validate/,
    );
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });
    expect(() => guardTool(guarded, enforcement, { effects: EFFECTS })).toThrow(/already guarded/);
  });

  it('runs an allowed call with the arguments as sent, and records it under the tool call id', async () => {
    const { enforcement, recorder } = createTestSetup(DECISIONS);
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });

    const message = await guarded.invoke(
      { type: 'tool_call', id: 'call-1', name: 'get_ticket', args: { id: 'T-1' } },
      { context },
    );

    expect(ToolMessage.isInstance(message)).toBe(true);
    expect(message.content).toBe('Ticket T-1: printer on fire');
    expect(message.tool_call_id).toBe('call-1');
    expect(message.status).toBe('success');
    expect(getTicket).toHaveBeenCalledTimes(1);
    expect(getTicket.mock.calls[0]?.[0]).toEqual({ id: 'T-1' });
    expect(recorder.records).toHaveLength(1);
    expect(recorder.records[0]).toMatchObject({
      call: { kind: 'tool', name: 'get_ticket', effect: 'read', callId: 'call-1' },
      decision: { effect: 'allow' },
      intent: true,
      outcome: { status: 'ok' },
    });
  });

  it('returns the plain output when invoked with bare arguments', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });
    await expect(guarded.invoke({ id: 'T-2' }, { context })).resolves.toBe('Ticket T-2: printer on fire');
  });

  it('answers a denied tool call with an error ToolMessage carrying the reason; the body never runs', async () => {
    const { enforcement, recorder } = createTestSetup(DECISIONS);
    const { tools, closeTicket } = ticketTools();
    const guarded = guardTool(tools.closeTicket, enforcement, { effects: EFFECTS });

    const message = await guarded.invoke(
      { type: 'tool_call', id: 'call-2', name: 'close_ticket', args: { id: 'T-1' } },
      { context },
    );

    expect(message.status).toBe('error');
    expect(message.tool_call_id).toBe('call-2');
    expect(message.content).toBe('Denied "close_ticket": policy forbids close_ticket');
    expect(message.artifact).toEqual({
      palisade: {
        code: 'ERR_ACCESS_DENIED',
        stage: 'decide',
        ruleIds: [],
        policyVersion: 'test-v1',
        approvalId: undefined,
      },
    });
    expect(closeTicket).not.toHaveBeenCalled();
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('throws the AccessDeniedError when invoked with bare arguments', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools } = ticketTools();
    const guarded = guardTool(tools.closeTicket, enforcement, { effects: EFFECTS });
    const error = await guarded.invoke({ id: 'T-1' }, { context }).catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
  });

  it('denies a call without a credential, and reads one from config.configurable', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });

    const error = await guarded.invoke({ id: 'T-1' }).catch((caught: unknown) => caught);
    expect(CredentialError.isInstance(error)).toBe(true);
    expect(getTicket).not.toHaveBeenCalled();

    await expect(
      guarded.invoke({ id: 'T-1' }, { configurable: { credential: AGENT_TOKEN } }),
    ).resolves.toContain('Ticket T-1');
  });

  it('takes the credential from the enforcement scope', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });
    const output = await enforcement.scope!.run({ credential: AGENT_TOKEN }, () =>
      guarded.invoke({ id: 'T-3' }),
    );
    expect(output).toBe('Ticket T-3: printer on fire');
  });

  it('denies input that does not match the schema, naming the field', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });
    const message = await guarded.invoke(
      { type: 'tool_call', id: 'call-3', name: 'get_ticket', args: { id: 'DROP TABLE' } },
      { context },
    );
    expect(message.status).toBe('error');
    expect(message.content).toMatch(/^Invalid input for "get_ticket": id: /);
    expect(getTicket).not.toHaveBeenCalled();
  });

  it('validates JSON-schema tools with the JSON Schema validator', async () => {
    const { enforcement } = createTestSetup({ lookup: 'allow' });
    const body = vi.fn(async (input: unknown) => JSON.stringify(input));
    const lookup = tool(body, {
      name: 'lookup',
      description: 'Look up an order',
      schema: {
        type: 'object',
        properties: { order: { type: 'integer', minimum: 1 } },
        required: ['order'],
        additionalProperties: false,
      },
    });
    const guarded = guardTool(lookup, enforcement, { effects: { lookup: 'read' } });

    await expect(guarded.invoke({ order: 7 }, { context })).resolves.toBe('{"order":7}');
    const error = await guarded.invoke({ order: 0 }, { context }).catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Invalid input for "lookup": order: /);
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('guards string tools, which take a bare string', async () => {
    const { enforcement, requests } = createTestSetup({ search: 'allow' });
    const body = vi.fn(async (input: string) => `results for ${input}`);
    const search = new DynamicTool({ name: 'search', description: 'Search', func: body });
    const guarded = guardTool(search, enforcement, { effects: { search: 'read' } });
    await expect(guarded.invoke('printers', { context })).resolves.toBe('results for printers');
    expect(requests[0]?.input).toBe('printers');
  });

  it('refuses with a fault whose message leaks nothing of the failure', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const verifier: CredentialVerifier = {
      verify: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
      },
    };
    const { tools } = ticketTools();
    const guarded = guardTool(tools.getTicket, { ...enforcement, verifier }, { effects: EFFECTS });
    const message = await guarded.invoke(
      { type: 'tool_call', id: 'call-4', name: 'get_ticket', args: { id: 'T-1' } },
      { context },
    );
    expect(message.status).toBe('error');
    expect(message.content).toBe(
      'Denied "get_ticket": the verify check could not be completed, so the call was refused.',
    );
    expect(message.content).not.toContain('hunter2');
    expect(message.artifact.palisade.code).toBe(new GuardFaultError('x', { stage: 'verify' }).code);
  });

  it('outside a graph, throws ApprovalRequiredError and runs once the approval is presented', async () => {
    const setup = createTestSetup(DECISIONS);
    const { tools, refund } = ticketTools();
    const guarded = guardTool(tools.refund, setup.enforcement, { effects: EFFECTS });

    const error = await guarded.invoke({ amount: 40 }, { context }).catch((caught: unknown) => caught);
    expect(ApprovalRequiredError.isInstance(error)).toBe(true);
    const { approvalId } = error as ApprovalRequiredError;
    expect(refund).not.toHaveBeenCalled();

    await setup.review(approvalId, true);
    const scope = setup.enforcement.scope!;
    await expect(scope.run({ approvalId }, () => guarded.invoke({ amount: 40 }, { context }))).resolves.toBe(
      'Refunded 40 EUR',
    );
    // Single use: the same approval cannot run the refund again.
    const again = await scope
      .run({ approvalId }, () => guarded.invoke({ amount: 40 }, { context }))
      .catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(again)).toBe(true);
    expect(refund).toHaveBeenCalledTimes(1);
  });

  it('answers a re-run of the same graph task from its journal, and nothing else', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, enforcement, { effects: EFFECTS });
    const call = { type: 'tool_call' as const, id: 'same-id', name: 'get_ticket', args: { id: 'T-1' } };
    const inTask = (task: string) => ({
      context,
      configurable: { thread_id: 't', checkpoint_ns: `tools:${task}` },
    });

    await guarded.invoke(call, inTask('a'));
    await guarded.invoke(call, inTask('a')); // LangGraph re-running task a after an interrupt
    expect(getTicket).toHaveBeenCalledTimes(1);
    await guarded.invoke(call, inTask('b')); // a later step reusing the tool call id
    await guarded.invoke({ ...call, args: { id: 'T-2' } }, inTask('a')); // a different call under the same id
    expect(getTicket).toHaveBeenCalledTimes(3);
  });

  it('answers a re-run from its journal only for a credential that verifies now, for the same principal', async () => {
    const { enforcement, recorder } = createTestSetup(DECISIONS);
    const revoked = new Set<string>();
    const users: Readonly<Record<string, string>> = { 'alice-token': 'alice', 'mallory-token': 'mallory' };
    const verifier: CredentialVerifier = {
      async verify(credential) {
        const user = users[credential];
        if (!user) throw new CredentialError('unknown test token');
        if (revoked.has(credential)) throw new TokenRevokedError('the token has been revoked');
        return {
          agent: { id: 'support-bot' },
          user: { id: user, roles: [] },
          delegation: [],
          scopes: [],
          claims: {},
        };
      },
    };
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, { ...enforcement, verifier }, { effects: EFFECTS });
    const call = { type: 'tool_call' as const, id: 'same-id', name: 'get_ticket', args: { id: 'T-1' } };
    const rerun = (credential: string) =>
      guarded.invoke(call, {
        context: { credential },
        configurable: { thread_id: 't', checkpoint_ns: 'tools:a' },
      }) as Promise<ToolMessage>;

    expect((await rerun('alice-token')).content).toBe('Ticket T-1: printer on fire');
    // Another user's valid credential re-running the same task gets no share of alice's output.
    const foreign = await rerun('mallory-token');
    expect(foreign).toMatchObject({ status: 'error' });
    expect(String(foreign.content)).toMatch(/already made for another principal/);
    expect(JSON.stringify(foreign)).not.toContain('printer on fire');
    // Alice herself is still answered from the journal.
    expect((await rerun('alice-token')).content).toBe('Ticket T-1: printer on fire');
    // Once her token is revoked, the remembered output is no longer handed out.
    revoked.add('alice-token');
    const afterRevocation = await rerun('alice-token');
    expect(afterRevocation).toMatchObject({ status: 'error', content: 'the token has been revoked' });
    expect(JSON.stringify(afterRevocation)).not.toContain('printer on fire');
    expect(getTicket).toHaveBeenCalledTimes(1);
    // Every refusal of a replay is recorded.
    expect(recorder.records.map((record) => record.outcome?.status)).toEqual(['ok', 'denied', 'denied']);
  });

  it('refuses a journal re-run without a credential, or when the verifier fails', async () => {
    const { enforcement } = createTestSetup(DECISIONS);
    let broken = false;
    const verifier: CredentialVerifier = {
      async verify(credential, options) {
        if (broken) throw new Error('key store unreachable');
        return enforcement.verifier.verify(credential, options);
      },
    };
    const { tools, getTicket } = ticketTools();
    const guarded = guardTool(tools.getTicket, { ...enforcement, verifier }, { effects: EFFECTS });
    const call = { type: 'tool_call' as const, id: 'same-id', name: 'get_ticket', args: { id: 'T-1' } };
    const configurable = { thread_id: 't', checkpoint_ns: 'tools:a' };

    await guarded.invoke(call, { context, configurable });
    const anonymous = (await guarded.invoke(call, { configurable })) as ToolMessage;
    expect(anonymous).toMatchObject({
      status: 'error',
      content: 'No credential was presented for "get_ticket"',
    });
    broken = true;
    const faulty = (await guarded.invoke(call, { context, configurable })) as ToolMessage;
    expect(faulty).toMatchObject({ status: 'error' });
    expect(faulty.content).toBe(
      'Denied "get_ticket": the verify check could not be completed, so the call was refused.',
    );
    expect(faulty.artifact).toMatchObject({ palisade: { code: 'ERR_GUARD_FAULT', stage: 'verify' } });
    expect(JSON.stringify(faulty)).not.toContain('printer on fire');
    expect(getTicket).toHaveBeenCalledTimes(1);
  });

  it('ignores an approval id supplied through the run context', async () => {
    const setup = createTestSetup(DECISIONS);
    const { tools } = ticketTools();
    const guarded = guardTool(tools.refund, setup.enforcement, { effects: EFFECTS });
    const first = (await guarded
      .invoke({ amount: 5 }, { context })
      .catch((caught: unknown) => caught)) as ApprovalRequiredError;
    await setup.review(first.approvalId, true);
    const second = await guarded
      .invoke({ amount: 5 }, { context: { ...context, approvalId: first.approvalId } })
      .catch((caught: unknown) => caught);
    expect(ApprovalRequiredError.isInstance(second)).toBe(true);
    expect((second as ApprovalRequiredError).approvalId).not.toBe(first.approvalId);
  });
});

describe('guardTool in a createAgent', () => {
  it('lets the agent continue after a denial, with the refusal in the conversation', async () => {
    const setup = createTestSetup(DECISIONS);
    const { tools, getTicket, closeTicket } = ticketTools();
    const model = new FakeToolCallingModel({
      toolCalls: [
        [
          { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
          { name: 'close_ticket', args: { id: 'T-1' }, id: 'c2' },
        ],
        [],
      ],
    });
    const agent = createAgent({
      model,
      tools: [
        guardTool(tools.getTicket, setup.enforcement, { effects: EFFECTS }),
        guardTool(tools.closeTicket, setup.enforcement, { effects: EFFECTS }),
      ],
    });
    const result = await agent.invoke({ messages: [{ role: 'user', content: 'Close T-1' }] }, { context });
    const toolMessages = result.messages.filter((message) => ToolMessage.isInstance(message));
    expect(toolMessages.map((message) => [message.tool_call_id, message.status])).toEqual([
      ['c1', 'success'],
      ['c2', 'error'],
    ]);
    expect(getTicket).toHaveBeenCalledTimes(1);
    expect(closeTicket).not.toHaveBeenCalled();
    // The model's next turn saw the refusal.
    expect(String(result.messages.at(-1)?.content)).toContain('Denied "close_ticket"');
  });

  it('pauses the graph for approval and resumes with the reviewer decision', async () => {
    const setup = createTestSetup(DECISIONS);
    const { tools, refund } = ticketTools();
    const model = new FakeToolCallingModel({
      toolCalls: [[{ name: 'refund', args: { amount: 25 }, id: 'r1' }], []],
    });
    const agent = createAgent({
      model,
      tools: [guardTool(tools.refund, setup.enforcement, { effects: EFFECTS })],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: 'plain-tool' }, context };

    const paused = await agent.invoke({ messages: [{ role: 'user', content: 'Refund 25' }] }, config);
    const [pending] = pendingApprovals(paused);
    expect(pending?.approval).toMatchObject({ tool: 'refund', callId: 'r1', input: { amount: 25 } });
    expect(refund).not.toHaveBeenCalled();

    await setup.review(pending!.approval.approvalId, true);
    const done = await agent.invoke(new Command({ resume: { decisions: [{ type: 'approve' }] } }), config);
    const last = done.messages.filter((message) => ToolMessage.isInstance(message)).at(-1);
    expect(last?.content).toBe('Refunded 25 EUR');
    expect(refund).toHaveBeenCalledTimes(1);
    expect(await setup.service.listPending()).toEqual([]);
    expect((await setup.service.list()).map((request) => request.status)).toEqual(['consumed']);
  });
});

describe('guardTool with the policy catalog', () => {
  /** The test enforcement, with a decider that exposes a policy document as a policy engine does. */
  function withCatalog(tools: Readonly<Record<string, unknown>>) {
    const setup = createTestSetup(DECISIONS);
    const decider = { decide: setup.enforcement.decider.decide, document: { tools } };
    return { ...setup, enforcement: { ...setup.enforcement, decider } };
  }

  it('takes the effect and target of a tool options.effects does not name from the catalog', async () => {
    const setup = withCatalog({ get_ticket: { effect: 'read', target: 'helpdesk' } });
    const guarded = guardTool(ticketTools().tools.getTicket, setup.enforcement, {});
    await expect(guarded.invoke({ id: 'T-1' }, { context })).resolves.toBe('Ticket T-1: printer on fire');
    expect(setup.requests.at(-1)).toMatchObject({ name: 'get_ticket', effect: 'read', target: 'helpdesk' });
    expect(setup.recorder.records.at(-1)?.call).toMatchObject({ effect: 'read', target: 'helpdesk' });
  });

  it('lets options.effects and options.targets win over the catalog', async () => {
    const setup = withCatalog({ get_ticket: { effect: 'read', target: 'helpdesk' } });
    const guarded = guardTool(ticketTools().tools.getTicket, setup.enforcement, {
      effects: { get_ticket: 'write' },
      targets: { get_ticket: 'crm' },
    });
    await guarded.invoke({ id: 'T-1' }, { context });
    expect(setup.requests.at(-1)).toMatchObject({ effect: 'write', target: 'crm' });
  });

  it('refuses a tool neither names, and a malformed catalog entry, at creation', () => {
    const { tools } = ticketTools();
    expect(() =>
      guardTool(tools.refund, withCatalog({ get_ticket: { effect: 'read' } }).enforcement, {}),
    ).toThrow(/"refund" has no effect in options.effects nor in the policy's tool catalog/);
    expect(() => guardTool(tools.getTicket, createTestSetup(DECISIONS).enforcement, {})).toThrow(TypeError);
    expect(() =>
      guardTool(tools.getTicket, withCatalog({ get_ticket: { effect: 'peek' } }).enforcement, {}),
    ).toThrow(/tool catalog entry "get_ticket": effect must be one of/);
  });
});
