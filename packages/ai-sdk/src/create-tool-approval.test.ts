import {
  createMemoryRecorder,
  createMemorySessionStore,
  type Enforcement,
  GuardFaultError,
  type MemoryRecorder,
} from '@palisade/core';
import { tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToolApproval, type ToolApprovalCall } from './create-tool-approval.js';
import { guardTools } from './guard-tools.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, type TestRule, tokenVerifier } from './test-support/doubles.js';

const RULES: readonly TestRule[] = [
  { id: 'reads', when: (request) => request.effect === 'read', effect: 'allow', reason: 'reads are allowed' },
  {
    id: 'large-transfers',
    when: (request) => request.name === 'sendMoney' && (request.input as { amount: number }).amount > 1000,
    effect: 'approve',
    reason: 'transfers over 1000 need a human',
  },
  {
    id: 'small-transfers',
    when: (request) => request.name === 'sendMoney',
    effect: 'allow',
    reason: 'small transfers are allowed',
  },
];

const EFFECTS = { getBalance: 'read', sendMoney: 'send', deleteAccount: 'delete' } as const;
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function rawTools() {
  return {
    getBalance: tool({ description: 'Balance', inputSchema: z.object({}), execute: async () => 1200 }),
    sendMoney: tool({
      description: 'Send money',
      inputSchema: z.object({ iban: z.string(), amount: z.number() }),
      execute: async () => 'sent',
    }),
    deleteAccount: tool({
      description: 'Close the account',
      inputSchema: z.object({}),
      execute: async () => 'closed',
    }),
  };
}

function setup(overrides: Partial<Enforcement> = {}) {
  const { service, gate } = approvalParts();
  closers.push(() => service.close());
  const decider = ruleDecider(RULES);
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider,
    recorder,
    approvals: gate,
    ...overrides,
  };
  const options = { effects: EFFECTS, context: { credential: 'agent-token' }, approvals: service };
  const tools = guardTools(rawTools(), palisade, options);
  const toolApproval = createToolApproval(palisade, options);
  return {
    service,
    decider,
    recorder: palisade.recorder as MemoryRecorder,
    palisade,
    tools,
    toolApproval,
    options,
  };
}

function call(
  tools: ToolApprovalCall['tools'],
  toolName: string,
  input: unknown,
  toolCallId = 'c1',
): ToolApprovalCall {
  return {
    toolCall: { toolCallId, toolName, input },
    tools,
    toolsContext: {},
    runtimeContext: {},
    messages: [{ role: 'user', content: 'help me with my account' }],
  };
}

describe('createToolApproval', () => {
  it('lets an allowed call through without approval parts or a record: the guarded execution records it', async () => {
    const { tools, toolApproval, recorder } = setup();
    // 'not-applicable': an allowed call adds no approval parts to the conversation.
    await expect(toolApproval(call(tools, 'getBalance', {}))).resolves.toEqual({ type: 'not-applicable' });
    expect(recorder.records).toHaveLength(0);
  });

  it('denies a call the policy denies, with the reason, and records the denial', async () => {
    const { tools, toolApproval, recorder } = setup();
    const status = await toolApproval(call(tools, 'deleteAccount', {}));
    expect(status).toEqual({ type: 'denied', reason: 'Denied "deleteAccount": no rule allows this' });
    expect(recorder.records).toHaveLength(1);
    expect(recorder.records[0]?.decision?.effect).toBe('deny');
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
    expect(recorder.records[0]?.request?.principal.user?.id).toBe('alice');
  });

  it('proposes a call that needs a human with its exact payload, and asks for user approval', async () => {
    const { tools, toolApproval, recorder, service } = setup();
    const status = await toolApproval(
      call(tools, 'sendMoney', { iban: 'DE89 3704', amount: 2500 }, 'call-42'),
    );

    expect(status).toMatchObject({ type: 'user-approval' });
    const reason = (status as { reason: string }).reason;
    expect(reason).toMatch(/^transfers over 1000 need a human \(Palisade approval [0-9a-f-]{36}\)$/);
    const [pending] = await service.listPending();
    expect(reason).toContain(pending!.id);
    expect(pending).toMatchObject({
      tool: 'sendMoney',
      effect: 'send',
      input: { iban: 'DE89 3704', amount: 2500 },
      callId: 'call-42',
      agent: { id: 'spiffe://bank.test/agent/banker' },
      user: { id: 'alice' },
      policy: { reason: 'transfers over 1000 need a human', ruleIds: ['large-transfers'] },
    });
    expect(recorder.records[0]?.decision?.effect).toBe('approve');
    expect(recorder.records[0]?.outcome?.status).toBe('pending-approval');
  });

  it('builds the same request the guard builds at execution', async () => {
    const { tools, toolApproval, decider } = setup();
    await toolApproval(call(tools, 'sendMoney', { iban: 'DE89', amount: 10 }, 'same-1'));
    await tools.sendMoney.execute!(
      { iban: 'DE89', amount: 10 },
      { toolCallId: 'same-1', messages: [{ role: 'user', content: 'help me with my account' }], context: {} },
    );
    const [atApproval, atExecution] = decider.requests;
    expect(atExecution).toEqual({
      ...atApproval,
      context: { ...atApproval!.context, time: atExecution!.context.time },
    });
  });

  it('denies unknown tools, tools without an effect, and executable tools the guard does not wrap', async () => {
    const { tools, toolApproval, palisade, options, recorder } = setup();
    expect(await toolApproval(call(tools, 'transferAll', {}))).toEqual({
      type: 'denied',
      reason: 'Denied "transferAll": "transferAll" is not a tool of this tool set',
    });
    const extended = {
      ...tools,
      exportData: tool({ description: 'x', inputSchema: z.object({}), execute: async () => 1 }),
    };
    expect(await toolApproval(call(extended, 'exportData', {}))).toMatchObject({
      type: 'denied',
      reason: expect.stringContaining('has no effect in options.effects nor in the policy'),
    });
    const unwrapped = createToolApproval(palisade, {
      ...options,
      effects: { ...EFFECTS, exportData: 'read' },
    });
    expect(await unwrapped(call(extended, 'exportData', {}))).toMatchObject({
      type: 'denied',
      reason: expect.stringContaining('executes without Palisade'),
    });
    expect(recorder.records.map((record) => record.outcome?.status)).toEqual(['denied', 'denied', 'denied']);
  });

  it('fails closed when the verifier, the decider or the recorder fails', async () => {
    const throwing = setup({
      verifier: { verify: async () => Promise.reject(new Error('JWKS unreachable')) },
    });
    const status = await throwing.toolApproval(call(throwing.tools, 'getBalance', {}));
    expect(status).toEqual({ type: 'denied', reason: expect.stringContaining('JWKS unreachable') });
    expect(
      GuardFaultError.isInstance((throwing.recorder.records[0]!.outcome as { error: unknown }).error),
    ).toBe(true);

    const garbage = setup({ decider: { decide: () => ({ effect: 'allow' }) as never } });
    expect(await garbage.toolApproval(call(garbage.tools, 'getBalance', {}))).toEqual({
      type: 'denied',
      reason: expect.stringContaining('not a Decision'),
    });

    const broken = setup({
      recorder: {
        record: async () => {
          throw new Error('disk full');
        },
      },
    });
    // Core's one refusal path: a recorder that fails never turns a refusal into anything else.
    expect(await broken.toolApproval(call(broken.tools, 'deleteAccount', {}))).toEqual({
      type: 'denied',
      reason: 'Denied "deleteAccount": no rule allows this',
    });
  });

  it('denies a call that needs approval when no approval service is configured', async () => {
    const { palisade, tools, recorder } = setup();
    const withoutService = createToolApproval(palisade, {
      effects: EFFECTS,
      context: { credential: 'agent-token' },
    });
    expect(await withoutService(call(tools, 'sendMoney', { iban: 'X', amount: 5000 }))).toEqual({
      type: 'denied',
      reason: '"sendMoney" needs approval and no approval service is configured',
    });
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('decides provider-executed tools itself and meets their obligations before they run', async () => {
    const sessions = createMemorySessionStore();
    const counted: string[] = [];
    const allowWith = (name: string, obligations: TestRule['obligations']): TestRule => ({
      id: name,
      when: (request) => request.name === name,
      effect: 'allow',
      reason: `${name} is allowed`,
      obligations,
    });
    const decider = ruleDecider([
      allowWith('webSearch', [{ type: 'label-session', labels: ['tainted'] }]),
      allowWith('webFetch', [{ type: 'count', limit: 'fetches' }]),
      allowWith('codeRun', [{ type: 'redact-output' }]),
      allowWith('fileSearch', [{ type: 'unknown-obligation' }]),
    ]);
    const recorder = createMemoryRecorder();
    const palisade: Enforcement = {
      verifier: tokenVerifier(),
      decider,
      recorder,
      sessions,
      obligations: {
        count: { before: (obligation) => void counted.push(String(obligation.limit)) },
        'redact-output': { after: () => undefined },
      },
    };
    const provider = (id: `${string}.${string}`) => ({
      type: 'provider' as const,
      id,
      isProviderExecuted: true as const,
      args: {},
      inputSchema: z.object({ query: z.string() }),
    });
    const tools = {
      webSearch: provider('test.web_search'),
      webFetch: provider('test.web_fetch'),
      codeRun: provider('test.code_run'),
      fileSearch: provider('test.file_search'),
    };
    const toolApproval = createToolApproval(palisade, {
      effects: { webSearch: 'read', webFetch: 'read', codeRun: 'execute', fileSearch: 'read' },
      context: { credential: 'agent-token', sessionId: 's-1' },
    });

    expect(await toolApproval(call(tools, 'webSearch', { query: 'rates' }))).toEqual({
      type: 'not-applicable',
    });
    expect(await sessions.labels('s-1')).toEqual(['tainted']);
    expect(recorder.records[0]).toMatchObject({ intent: true, outcome: { status: 'ok' } });

    expect(await toolApproval(call(tools, 'webFetch', { query: 'x' }))).toEqual({ type: 'not-applicable' });
    expect(counted).toEqual(['fetches']);

    for (const name of ['codeRun', 'fileSearch']) {
      expect(await toolApproval(call(tools, name, { query: 'x' }))).toEqual({
        type: 'denied',
        reason: expect.stringContaining('cannot be met for a tool Palisade does not execute'),
      });
    }
  });

  it('proposes in the approval service of a createPalisade() instance by default', async () => {
    const { palisade, service, tools } = setup();
    const toolApproval = createToolApproval(Object.assign({}, palisade, { approvalService: service }), {
      effects: EFFECTS,
      context: { credential: 'agent-token' },
    });
    expect(await toolApproval(call(tools, 'sendMoney', { iban: 'X', amount: 5000 }))).toMatchObject({
      type: 'user-approval',
    });
    expect(await service.listPending()).toHaveLength(1);
  });

  it('validates its options once, when created', () => {
    const { palisade, service } = setup();
    expect(() => createToolApproval({} as never, { effects: EFFECTS })).toThrow(
      /palisade.verifier is required/,
    );
    expect(() => createToolApproval(palisade, { effects: 'read' as never })).toThrow(/options.effects/);
    expect(() => createToolApproval(palisade, { effects: EFFECTS, approvals: {} as never })).toThrow(
      /options.approvals must be an approval service/,
    );
    expect(() => createToolApproval(palisade, { effects: EFFECTS, approvals: service, ttlMs: 0 })).toThrow(
      /ttlMs/,
    );
    expect(() => createToolApproval(palisade, { effects: EFFECTS, userMessages: 'all' as never })).toThrow(
      /userMessages/,
    );
  });
});

describe('createToolApproval with the policy catalog', () => {
  it('decides with the catalog effect and target, and denies (recorded) on a malformed entry', async () => {
    const catalog: Record<string, unknown> = { getBalance: { effect: 'read', target: 'core-banking' } };
    const decider = ruleDecider(RULES);
    const { palisade, recorder } = setup({
      decider: Object.assign(decider, { document: { tools: catalog } }),
    });
    const options = { context: { credential: 'agent-token' } };
    const tools = guardTools({ getBalance: rawTools().getBalance }, palisade, options);
    const toolApproval = createToolApproval(palisade, options);

    await expect(toolApproval(call(tools, 'getBalance', {}))).resolves.toEqual({ type: 'not-applicable' });
    expect(decider.requests.at(-1)).toMatchObject({ effect: 'read', target: 'core-banking' });

    // The policy was reloaded with a broken catalog: the check fails closed, and says so on record.
    catalog.getBalance = { effect: 'peek' };
    await expect(toolApproval(call(tools, 'getBalance', {}, 'c2'))).resolves.toMatchObject({
      type: 'denied',
    });
    expect(recorder.records.at(-1)).toMatchObject({
      call: { name: 'getBalance', effect: 'execute', callId: 'c2' },
      outcome: { status: 'denied' },
    });
  });
});
