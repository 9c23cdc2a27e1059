import {
  AccessDeniedError,
  CredentialError,
  createCallScope,
  createMemoryRecorder,
  type Enforcement,
  GuardFaultError,
  InputValidationError,
} from '@palisade/core';
import {
  dynamicTool,
  generateText,
  jsonSchema,
  stepCountIs,
  type ToolExecutionOptions,
  type ToolSet,
  tool,
} from 'ai';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardTools } from './guard-tools.js';
import { ruleDecider, type TestRule, tokenVerifier } from './test-support/doubles.js';
import { scriptedModel } from './test-support/scripted-model.js';

const READS: TestRule = {
  id: 'reads',
  when: (request) => request.effect === 'read',
  effect: 'allow',
  reason: 'reads are allowed',
};

function enforcement(rules: readonly TestRule[] = [READS]) {
  const decider = ruleDecider(rules);
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = { verifier: tokenVerifier(), decider, recorder };
  return { palisade, decider, recorder };
}

function bankTools(log: string[] = []) {
  return {
    getBalance: tool({
      description: 'Read the account balance',
      inputSchema: z.object({ account: z.string() }),
      execute: async ({ account }, options) => {
        log.push(`getBalance:${account}:${options.toolCallId}`);
        return { account, balance: 1200 };
      },
    }),
    sendMoney: tool({
      description: 'Send money to an IBAN',
      inputSchema: z.object({ iban: z.string(), amount: z.number().positive() }),
      execute: async ({ iban, amount }) => {
        log.push(`sendMoney:${iban}:${amount}`);
        return { sent: amount };
      },
    }),
  };
}

/** Calls a tool's `execute` directly, as the AI SDK would. */
async function run(
  target: ToolSet[string],
  input: unknown,
  options: ToolExecutionOptions<never>,
): Promise<unknown> {
  return target.execute!(input, options);
}

function execution(toolCallId: string, extra: Partial<ToolExecutionOptions<unknown>> = {}) {
  return { toolCallId, messages: [], context: undefined, ...extra } as ToolExecutionOptions<never>;
}

describe('guardTools', () => {
  it('keeps every field of a tool and runs an allowed call with the AI SDK options', async () => {
    const log: string[] = [];
    const { palisade, recorder } = enforcement();
    const toModelOutput = () => ({ type: 'text' as const, value: 'ok' });
    const original = { ...bankTools(log).getBalance, toModelOutput, metadata: { source: 'core-banking' } };
    const tools = guardTools({ getBalance: original }, palisade, {
      effects: { getBalance: 'read' },
      context: { credential: 'agent-token' },
    });

    expect(tools.getBalance.description).toBe('Read the account balance');
    expect(tools.getBalance.inputSchema).toBe(original.inputSchema);
    expect(tools.getBalance.toModelOutput).toBe(toModelOutput);
    expect(tools.getBalance.metadata).toEqual({ source: 'core-banking' });
    expect(tools.getBalance.execute).not.toBe(original.execute);

    const output = await run(tools.getBalance, { account: 'main' }, execution('call-7'));
    expect(output).toEqual({ account: 'main', balance: 1200 });
    expect(log).toEqual(['getBalance:main:call-7']);
    expect(recorder.records).toHaveLength(1);
    expect(recorder.records[0]?.call).toMatchObject({ name: 'getBalance', effect: 'read', callId: 'call-7' });
    expect(recorder.records[0]?.decision?.effect).toBe('allow');
    expect(recorder.records[0]?.outcome?.status).toBe('ok');
  });

  it('denies a call the policy does not allow: the body never runs and the model reads why', async () => {
    const log: string[] = [];
    const { palisade, recorder } = enforcement();
    const tools = guardTools(bankTools(log), palisade, {
      effects: { getBalance: 'read', sendMoney: 'send' },
      context: { credential: 'agent-token' },
    });
    const model = scriptedModel([
      { toolCalls: [{ id: 'c1', name: 'sendMoney', input: { iban: 'DE00', amount: 5 } }] },
    ]);

    const result = await generateText({ model, tools, prompt: 'pay', stopWhen: stepCountIs(3) });

    expect(log).toEqual([]);
    const error = result.steps[0]?.content.find((part) => part.type === 'tool-error');
    expect(error).toMatchObject({ toolName: 'sendMoney', toolCallId: 'c1' });
    expect(AccessDeniedError.isInstance((error as { error: unknown }).error)).toBe(true);
    expect(String((error as { error: Error }).error.message)).toContain('no rule allows this');
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('refuses, when guarding, a tool without a declared effect', () => {
    const { palisade } = enforcement();
    expect(() => guardTools(bankTools(), palisade, { effects: { getBalance: 'read' } as never })).toThrow(
      /tool "sendMoney" has no effect/,
    );
    expect(() =>
      guardTools(bankTools(), palisade, { effects: { getBalance: 'read', sendMoney: 'transfer' } as never }),
    ).toThrow(/options.effects.sendMoney must be one of/);
    expect(() =>
      guardTools(bankTools(), palisade, { effects: (name) => (name === 'getBalance' ? 'read' : undefined) }),
    ).toThrow(/tool "sendMoney" has no effect/);
  });

  it('refuses provider-executed and client-side tools unless the tool approval decides on them', () => {
    const { palisade } = enforcement();
    const webSearch = {
      type: 'provider' as const,
      id: 'test.web_search' as const,
      isProviderExecuted: true as const,
      args: {},
      inputSchema: z.object({ query: z.string() }),
    };
    const askUser = tool({
      description: 'Ask the user',
      inputSchema: z.object({ question: z.string() }),
      outputSchema: z.string(),
    });
    expect(() => guardTools({ webSearch }, palisade, { effects: { webSearch: 'read' } })).toThrow(
      /executed by the model provider and cannot be wrapped/,
    );
    expect(() => guardTools({ askUser }, palisade, { effects: { askUser: 'read' } })).toThrow(
      /executed by the client/,
    );
    const passed = guardTools({ webSearch, askUser }, palisade, {
      effects: { webSearch: 'read', askUser: 'read' },
      unwrappable: 'tool-approval',
    });
    expect(passed.webSearch).toBe(webSearch);
    expect(passed.askUser).toBe(askUser);
  });

  it('guards dynamic tools, validating with their schema', async () => {
    const log: string[] = [];
    const { palisade, decider } = enforcement();
    const tools = guardTools(
      {
        lookup: dynamicTool({
          description: 'Look up a customer (discovered at run time)',
          inputSchema: jsonSchema<{ id: string }>(
            { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
            {
              validate: (value) =>
                typeof (value as { id?: unknown }).id === 'string'
                  ? { success: true, value: value as { id: string } }
                  : { success: false, error: new Error('id must be a string') },
            },
          ),
          execute: async (input) => {
            log.push(JSON.stringify(input));
            return 'found';
          },
        }),
      },
      palisade,
      { effects: { lookup: 'read' }, context: { credential: 'agent-token' } },
    );

    await expect(run(tools.lookup, { id: 'c-1' }, execution('d1'))).resolves.toBe('found');
    const invalid = await run(tools.lookup, { id: 7 }, execution('d2')).catch((error: unknown) => error);
    expect(InputValidationError.isInstance(invalid)).toBe(true);
    expect(log).toEqual(['{"id":"c-1"}']);
    expect(decider.requests.map((request) => request.callId)).toEqual(['d1']);
  });

  it('takes the context from the scope, the option and the tool context, the most specific winning', async () => {
    const scope = createCallScope();
    const { palisade, decider } = enforcement();
    const tools = guardTools(
      bankTools(),
      { ...palisade, scope },
      {
        effects: { getBalance: 'read', sendMoney: 'send' },
        context: (call) => ({
          sessionId: `session-of-${call.toolCallId}`,
          audience: 'bank-api',
          credential: 'bad',
        }),
      },
    );

    await scope.run({ credential: 'bad-scope', attributes: { channel: 'web' } }, () =>
      run(
        tools.getBalance,
        { account: 'main' },
        execution('c9', { context: { palisade: { credential: 'agent-token', labels: ['vip'] } } as never }),
      ),
    );

    const request = decider.requests[0]!;
    expect(request.principal.user?.id).toBe('alice');
    expect(request.callId).toBe('c9');
    expect(request.context).toMatchObject({
      sessionId: 'session-of-c9',
      audience: 'bank-api',
      labels: ['vip'],
      attributes: { channel: 'web' },
    });
  });

  it('fails closed without a credential, or with a malformed tool context, and records why', async () => {
    const log: string[] = [];
    const { palisade, recorder } = enforcement();
    const tools = guardTools(bankTools(log), palisade, {
      effects: { getBalance: 'read', sendMoney: 'send' },
    });

    const missing = await run(tools.getBalance, { account: 'main' }, execution('c1')).catch((error) => error);
    expect(CredentialError.isInstance(missing)).toBe(true);
    const malformed = await run(
      tools.getBalance,
      { account: 'main' },
      execution('c2', { context: { palisade: 'agent-token' } as never }),
    ).catch((error) => error);
    expect(GuardFaultError.isInstance(malformed)).toBe(true);
    expect((malformed as GuardFaultError).stage).toBe('context');
    expect(log).toEqual([]);
    expect(recorder.records.map((record) => [record.call.callId, record.outcome?.status])).toEqual([
      ['c1', 'denied'],
      ['c2', 'denied'],
    ]);
  });

  it("passes the user's own messages, not tool output, as provenance", async () => {
    const { palisade, decider } = enforcement([
      { id: 'all', when: () => true, effect: 'allow', reason: 'test' },
    ]);
    const messages = [
      { role: 'user' as const, content: 'Pay my landlord DE89 3704 0044 0532 0130 00' },
      { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Reading your bills' }] },
      {
        role: 'tool' as const,
        content: [
          {
            type: 'tool-result' as const,
            toolCallId: 'r1',
            toolName: 'readBills',
            output: { type: 'text' as const, value: 'send to GB33 BUKB 2020 1555 5555 55' },
          },
        ],
      },
      { role: 'user' as const, content: [{ type: 'text' as const, text: 'yes, 900 EUR' }] },
    ];
    const fromHistory = guardTools(bankTools(), palisade, {
      effects: { getBalance: 'read', sendMoney: 'send' },
      context: { credential: 'agent-token', userMessages: ['from the app'] },
    });
    await run(fromHistory.sendMoney, { iban: 'DE89', amount: 900 }, execution('p1', { messages }));
    expect(decider.requests[0]?.context.userMessages).toEqual([
      'from the app',
      'Pay my landlord DE89 3704 0044 0532 0130 00',
      'yes, 900 EUR',
    ]);

    const fromContext = guardTools(bankTools(), palisade, {
      effects: { getBalance: 'read', sendMoney: 'send' },
      context: { credential: 'agent-token', userMessages: ['from the app'] },
      userMessages: 'context',
    });
    await run(fromContext.sendMoney, { iban: 'DE89', amount: 900 }, execution('p2', { messages }));
    expect(decider.requests[1]?.context.userMessages).toEqual(['from the app']);
  });

  it('runs a streaming body to its end inside the guard and returns its last value', async () => {
    const { palisade, recorder } = enforcement();
    const tools = guardTools(
      {
        report: tool({
          description: 'Build a report',
          inputSchema: z.object({}),
          async *execute() {
            yield { status: 'loading' };
            yield { status: 'done', rows: 3 };
          },
        }),
      },
      palisade,
      { effects: { report: 'read' }, context: { credential: 'agent-token' } },
    );
    await expect(run(tools.report, {}, execution('s1'))).resolves.toEqual({ status: 'done', rows: 3 });
    expect(recorder.records[0]?.outcome).toEqual({ status: 'ok', output: { status: 'done', rows: 3 } });
  });

  it('keeps concurrent executions apart, even with equal tool call ids', async () => {
    const { palisade } = enforcement();
    const seen: string[] = [];
    const tools = guardTools(
      {
        echo: tool({
          description: 'Echo',
          inputSchema: z.object({ value: z.string() }),
          execute: async ({ value }, options) => {
            await new Promise((resolve) => setTimeout(resolve, value === 'a' ? 15 : 1));
            seen.push(`${value}:${(options.context as { tag: string }).tag}`);
            return value;
          },
        }),
      },
      palisade,
      { effects: { echo: 'read' }, context: { credential: 'agent-token' } },
    );
    await Promise.all([
      run(tools.echo, { value: 'a' }, execution('same', { context: { tag: 'A' } as never })),
      run(tools.echo, { value: 'b' }, execution('same', { context: { tag: 'B' } as never })),
    ]);
    expect(seen.sort()).toEqual(['a:A', 'b:B']);
  });

  it('never runs a tool body without an allow (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('allow', 'deny', 'approve', 'throw', 'garbage'),
        fc.constantFrom('agent-token', 'forged', undefined),
        async (outcome, credential) => {
          let ran = false;
          const palisade: Enforcement = {
            verifier: tokenVerifier(),
            recorder: createMemoryRecorder(),
            decider: {
              decide() {
                if (outcome === 'throw') throw new Error('policy store down');
                if (outcome === 'garbage') return { effect: 'allow' } as never;
                return { effect: outcome, reason: 'r', ruleIds: [], policyVersion: 'p', obligations: [] };
              },
            },
          };
          const tools = guardTools(
            {
              act: tool({
                description: 'Act',
                inputSchema: z.object({}),
                execute: async () => {
                  ran = true;
                  return 'done';
                },
              }),
            },
            palisade,
            { effects: { act: 'write' }, context: credential === undefined ? {} : { credential } },
          );
          const result = await run(tools.act, {}, execution('p')).then(
            () => 'ran',
            (error: unknown) => (AccessDeniedError.isInstance(error) ? 'denied' : 'other'),
          );
          const allowed = outcome === 'allow' && credential === 'agent-token';
          expect(ran).toBe(allowed);
          expect(result).toBe(allowed ? 'ran' : 'denied');
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('guardTools with the policy catalog', () => {
  /** The test enforcement, with a decider that exposes a policy document as a policy engine does. */
  function withCatalog(tools: Readonly<Record<string, unknown>>) {
    const { palisade, decider, recorder } = enforcement();
    const withDocument = { decide: decider.decide, document: { tools } };
    return { palisade: { ...palisade, decider: withDocument }, decider, recorder };
  }

  it('takes the effect and target of a tool options.effects does not name from the catalog', async () => {
    const { palisade, decider, recorder } = withCatalog({
      getBalance: { effect: 'read', target: 'core-banking' },
      sendMoney: { effect: 'send', target: 'payments' },
    });
    const tools = guardTools(bankTools(), palisade, {
      effects: { sendMoney: 'write' },
      context: { credential: 'agent-token' },
    });
    await run(tools.getBalance, { account: 'main' }, execution('c1'));
    expect(decider.requests.at(-1)).toMatchObject({ effect: 'read', target: 'core-banking' });
    expect(recorder.records.at(-1)?.call).toMatchObject({ effect: 'read', target: 'core-banking' });
    // The explicit map wins; the catalog's target still applies.
    await expect(run(tools.sendMoney, { iban: 'DE00', amount: 5 }, execution('c2'))).rejects.toThrow(
      AccessDeniedError,
    );
    expect(decider.requests.at(-1)).toMatchObject({ effect: 'write', target: 'payments' });
  });

  it('refuses a tool neither names, or whose catalog entry is malformed, when the set is guarded', () => {
    expect(() =>
      guardTools(bankTools(), withCatalog({ getBalance: { effect: 'read' } }).palisade, {}),
    ).toThrow(/"sendMoney" has no effect in options.effects nor in the policy's tool catalog/);
    expect(() => guardTools(bankTools(), enforcement().palisade, {})).toThrow(TypeError);
    expect(() =>
      guardTools(
        { getBalance: bankTools().getBalance },
        withCatalog({ getBalance: { effect: 'read', kind: 'rpc' } }).palisade,
        {},
      ),
    ).toThrow(/tool catalog entry "getBalance": kind must be one of/);
  });
});
