import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AccessDeniedError, CallFailedError, GuardFaultError } from '@palisade/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppendOptions, AuditChain, ChainEntry } from './audit-chain.js';
import { createOtelRecorder } from './create-otel-recorder.js';
import { deciderFor, enableAsyncContext, memoryTracing, tool, verifier } from './test-support/fixtures.js';

const { provider, exporter } = memoryTracing();
const tracer = provider.getTracer('test');
const credential = { credential: 'good-token' };
let disableContext: () => void;

beforeAll(() => {
  disableContext = enableAsyncContext();
});
afterAll(() => disableContext());
beforeEach(() => exporter.reset());

function only() {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('createOtelRecorder', () => {
  it('records an allowed call as one execute_tool span with the GenAI and palisade attributes', async () => {
    const recorder = createOtelRecorder({ tracer });
    const getTicket = tool('get_ticket', 'read', { verifier, decider: deciderFor(), recorder }, (input) => ({
      id: input.id,
      body: 'secret body',
    }));
    await getTicket.call(
      { id: 'T-1' },
      { ...credential, callId: 'call-1', sessionId: 'conv-9', labels: ['tainted'] },
    );

    const span = only();
    expect(span.name).toBe('execute_tool get_ticket');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('test');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_ticket',
      'gen_ai.tool.call.id': 'call-1',
      'gen_ai.tool.type': 'function',
      'gen_ai.agent.id': 'spiffe://acme.example/agent/support-bot',
      'gen_ai.agent.name': 'support-bot',
      'gen_ai.conversation.id': 'conv-9',
      'user.id': 'alice',
      'user.roles': ['support', 'refunds'],
      'palisade.decision': 'allow',
      'palisade.rule_ids': ['read-ok'],
      'palisade.policy.version': 'sha256:abc',
      'palisade.decision.reason': 'allow by test',
      'palisade.effect': 'read',
      'palisade.action.kind': 'tool',
      'palisade.delegation.chain': ['alice', 'spiffe://acme.example/agent/support-bot'],
      'palisade.task': 'T-42',
      'palisade.token.id': 'jti-1',
      'palisade.tenant': 'acme',
      'palisade.session.labels': ['tainted'],
      'palisade.outcome': 'ok',
    });
    expect(span.attributes['palisade.input.digest']).toMatch(/^[0-9a-f]{64}$/);
    // Content stays out of telemetry unless asked for.
    expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(span.attributes['gen_ai.tool.call.result']).toBeUndefined();
    expect(JSON.stringify(span.attributes)).not.toContain('secret body');
  });

  it('describes each call by the principal as it is now, even one object reused and changed in place', async () => {
    const recorder = createOtelRecorder({ tracer });
    const principal = {
      agent: { id: 'spiffe://acme.example/agent/a' },
      user: { id: 'alice', roles: ['support'] },
      delegation: [],
      scopes: [],
      claims: {},
    };
    const sameObject = { verify: async () => principal };
    const read = tool(
      'get_ticket',
      'read',
      { verifier: sameObject, decider: deciderFor(), recorder },
      () => 1,
    );
    await read.call({ id: 'T-1' }, credential);
    await read.call({ id: 'T-2' }, credential);
    // Misuse, but the record must not name the previous actor.
    (principal as { user: { id: string; roles: string[] } }).user = { id: 'mallory', roles: ['admin'] };
    (principal as { agent: { id: string } }).agent = { id: 'spiffe://acme.example/agent/b' };
    await read.call({ id: 'T-3' }, credential);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.attributes['user.id'], span.attributes['gen_ai.agent.id']])).toEqual([
      ['alice', 'spiffe://acme.example/agent/a'],
      ['alice', 'spiffe://acme.example/agent/a'],
      ['mallory', 'spiffe://acme.example/agent/b'],
    ]);
    expect(spans[2]?.attributes['user.roles']).toEqual(['admin']);
  });

  it('computes no attributes for a span that is not recorded, and still records to the chain', async () => {
    const appended: ChainEntry[] = [];
    const chain = {
      append: async (entry: ChainEntry) => {
        appended.push(entry);
        return { status: 'appended', sequence: appended.length - 1, hash: 'h' } as const;
      },
    } as unknown as AuditChain;
    const noop = trace.getTracer('not-recording');
    const recorder = createOtelRecorder({ tracer: noop, chain });
    const read = tool('get_ticket', 'read', { verifier, decider: deciderFor(), recorder }, () => 1);
    await read.call({ id: 'T-1' }, credential);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(appended.map((entry) => entry.type)).toEqual(['intent', 'result']);
    expect((appended[0]!.data as { request: { inputDigest: string } }).request.inputDigest).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('names the consumed approval on the span of an approved call', async () => {
    const recorder = createOtelRecorder({ tracer });
    const refund = tool(
      'refund',
      'write',
      {
        verifier,
        decider: deciderFor({ approve: ['refund'] }),
        recorder,
        approvals: { authorize: async () => ({ status: 'approved', approvalId: 'ap-7' }) },
      },
      () => 'refunded',
    );
    await refund.call({ amount: 500 }, { ...credential, approvalId: 'ap-7' });
    expect(only().attributes['palisade.approval.id']).toBe('ap-7');
  });

  it('marks a denied call as an error and never runs the body', async () => {
    const recorder = createOtelRecorder({ tracer });
    let ran = false;
    const deleteUser = tool(
      'delete_user',
      'delete',
      { verifier, decider: deciderFor({ deny: ['delete_user'] }), recorder },
      () => {
        ran = true;
      },
    );
    const error = await deleteUser.call({ id: 'u1' }, credential).catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(ran).toBe(false);
    const span = only();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'palisade.decision': 'deny',
      'palisade.rule_ids': ['no-writes'],
      'palisade.outcome': 'denied',
      'palisade.stage': 'decide',
      'error.type': 'ERR_ACCESS_DENIED',
    });
    // Palisade words its own refusals: their message stays on the span.
    expect(span.status.message).toBe((error as AccessDeniedError).message);
  });

  it('marks a fault (the verifier rejects) as an error, with the stage, before any decision', async () => {
    const recorder = createOtelRecorder({ tracer });
    const getTicket = tool('get_ticket', 'read', { verifier, decider: deciderFor(), recorder }, () => 'x');
    const error = await getTicket
      .call({ id: 'T-1' }, { credential: 'forged' })
      .catch((caught: unknown) => caught);
    expect(GuardFaultError.isInstance(error)).toBe(true);
    const span = only();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ERR_GUARD_FAULT');
    expect(span.attributes['palisade.stage']).toBe('verify');
    expect(span.attributes['palisade.decision']).toBeUndefined();
  });

  it('records an error thrown by the body by its type only: no message, no stack', async () => {
    const recorder = createOtelRecorder({ tracer });
    const flaky = tool('flaky', 'read', { verifier, decider: deciderFor(), recorder }, () => {
      throw new Error('GET https://api.example/v1?key=sk-live-123 failed: backend down');
    });
    // The caller still gets the error as it was thrown.
    await expect(flaky.call({}, credential)).rejects.toThrow('sk-live-123');
    const span = only();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(span.attributes).toMatchObject({
      'palisade.outcome': 'error',
      'error.type': 'Error',
    });
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      ['exception', { 'exception.type': 'Error' }],
    ]);
    expect(JSON.stringify([span.status, span.attributes, span.events])).not.toMatch(
      /sk-live-123|backend down/,
    );
  });

  it('keeps only the failed stage of a fault, not the message of the part that failed', async () => {
    const recorder = createOtelRecorder({ tracer });
    const leaky = {
      async verify(): Promise<never> {
        throw new Error('connect postgres://app:hunter2@db.internal failed');
      },
    };
    const readNote = tool(
      'read_note',
      'read',
      { verifier: leaky, decider: deciderFor(), recorder },
      () => 'n',
    );
    await expect(readNote.call({}, credential)).rejects.toThrow('hunter2');
    const span = only();
    expect(span.status.message).toBe('Denied "read_note": the verify stage failed');
    expect(JSON.stringify([span.status, span.attributes, span.events])).not.toContain('hunter2');
  });

  it('names a body error by its stable code when it has one, and by its class', async () => {
    class UpstreamError extends Error {
      readonly code = 'ERR_UPSTREAM';
      override readonly name = 'UpstreamError';
    }
    const recorder = createOtelRecorder({ tracer });
    const flaky = tool('flaky', 'read', { verifier, decider: deciderFor(), recorder }, () => {
      throw new UpstreamError('token=abc123 rejected');
    });
    await expect(flaky.call({}, credential)).rejects.toThrow('abc123');
    const span = only();
    expect(span.attributes['error.type']).toBe('ERR_UPSTREAM');
    expect(span.events[0]?.attributes).toEqual({ 'exception.type': 'UpstreamError' });
    expect(JSON.stringify([span.status, span.attributes, span.events])).not.toContain('abc123');
  });

  it('captures a body error message only when opted in, through the content redactors', async () => {
    const contexts: unknown[] = [];
    const recorder = createOtelRecorder({
      tracer,
      captureContent: {
        redactors: [
          {
            redact(value, context) {
              contexts.push(context);
              return typeof value === 'string' ? value.replaceAll(/sk-live-\w+/g, '[SECRET]') : value;
            },
          },
        ],
      },
    });
    const flaky = tool('flaky', 'read', { verifier, decider: deciderFor(), recorder }, () => {
      throw new Error('key sk-live-123 rejected');
    });
    await flaky.call({}, credential).catch(() => undefined);
    const span = only();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'key [SECRET] rejected' });
    expect(span.events.map((event) => event.attributes)).toEqual([
      { 'exception.type': 'Error', 'exception.message': 'key [SECRET] rejected' },
    ]);
    expect(JSON.stringify([span.status, span.attributes, span.events])).not.toContain('sk-live-123');
    expect(contexts).toContainEqual({ tool: 'flaky', field: 'error' });
  });

  it('redacts a captured body error message to a placeholder when a redactor does not return text', async () => {
    const recorder = createOtelRecorder({
      tracer,
      captureContent: {
        redactors: [{ redact: (value) => (typeof value === 'string' ? { masked: true } : value) }],
      },
    });
    const flaky = tool('flaky', 'read', { verifier, decider: deciderFor(), recorder }, () => {
      throw new Error('key sk-live-123 rejected');
    });
    await flaky.call({}, credential).catch(() => undefined);
    expect(only().status).toEqual({ code: SpanStatusCode.ERROR, message: '[REDACTED]' });
  });

  it('captures inputs and outputs only when opted in, with the named fields redacted', async () => {
    const recorder = createOtelRecorder({
      tracer,
      captureContent: { redact: ['card.number', '**.password', 'recipients[*].email'] },
    });
    const pay = tool('pay', 'send', { verifier, decider: deciderFor(), recorder }, () => ({
      ok: true,
      account: { password: 'hunter2' },
    }));
    const input = {
      amount: 12,
      card: { number: '4111111111111111', brand: 'visa' },
      recipients: [{ name: 'Bob', email: 'bob@example.com' }],
    };
    await pay.call(input, credential);
    const span = only();
    expect(JSON.parse(String(span.attributes['gen_ai.tool.call.arguments']))).toEqual({
      amount: 12,
      card: { number: '[REDACTED]', brand: 'visa' },
      recipients: [{ name: 'Bob', email: '[REDACTED]' }],
    });
    expect(JSON.parse(String(span.attributes['gen_ai.tool.call.result']))).toEqual({
      ok: true,
      account: { password: '[REDACTED]' },
    });
    // The caller's own objects were not touched.
    expect(input.card.number).toBe('4111111111111111');
  });

  it('runs the body inside the span so its spans nest, and nests under the framework span', async () => {
    const recorder = createOtelRecorder({ tracer });
    const search = tool('search', 'read', { verifier, decider: deciderFor(), recorder }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startActiveSpan('http GET', (inner) => inner.end());
      return [];
    });
    await tracer.startActiveSpan('framework execute_tool', async (outer) => {
      await search.call({ q: 'x' }, credential);
      outer.end();
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((span) => [span.name, span]));
    const outer = byName.get('framework execute_tool')!;
    const ours = byName.get('execute_tool search')!;
    const inner = byName.get('http GET')!;
    expect(ours.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.parentSpanContext?.spanId).toBe(ours.spanContext().spanId);
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it("is no second execute_tool span inside the host framework's execute_tool span of the same call", async () => {
    const recorder = createOtelRecorder({ tracer });
    const enforcement = { verifier, decider: deciderFor(), recorder };
    const search = tool('search', 'read', enforcement, () => []);
    const hostSpan = (callId: string) =>
      tracer.startActiveSpan(
        'execute_tool search',
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.id': callId } },
        async (host) => {
          await search.call({ q: 'x' }, { ...credential, callId: 'call-1' });
          host.end();
        },
      );
    await hostSpan('call-1');
    const [ours, host] = exporter.getFinishedSpans();
    expect(host?.name).toBe('execute_tool search');
    expect(ours?.name).toBe('palisade.guard search');
    expect(ours?.parentSpanContext?.spanId).toBe(host?.spanContext().spanId);
    expect(ours?.attributes['gen_ai.operation.name']).toBeUndefined();
    expect(ours?.attributes).toMatchObject({ 'gen_ai.tool.call.id': 'call-1', 'palisade.decision': 'allow' });

    // Another call's span, or another tool's, is only a parent: the call keeps its own span.
    exporter.reset();
    await hostSpan('call-2');
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'execute_tool search',
      'execute_tool search',
    ]);
  });

  it('names a guarded retriever `retrieval {source}`', async () => {
    const recorder = createOtelRecorder({ tracer });
    const kb = tool('kb', 'read', { verifier, decider: deciderFor(), recorder }, () => [], 'retrieval');
    await kb.call({ q: 'refund policy' }, credential);
    const span = only();
    expect(span.name).toBe('retrieval kb');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'kb',
      'gen_ai.tool.type': 'datastore',
    });
  });

  it('uses the global tracer provider when no tracer is given', async () => {
    trace.setGlobalTracerProvider(provider);
    try {
      const recorder = createOtelRecorder();
      const getTicket = tool('get_ticket', 'read', { verifier, decider: deciderFor(), recorder }, () => 'x');
      await getTicket.call({}, credential);
      expect(only().instrumentationScope).toMatchObject({ name: '@palisade/audit', version: '0.1.0' });
    } finally {
      trace.disable();
    }
  });

  it('streams every decision to the observers, and an observer that throws denies the call', async () => {
    const seen: string[] = [];
    const recorder = createOtelRecorder({
      tracer,
      observers: [{ observe: (request, decision) => seen.push(`${request.name}:${decision.effect}`) }],
    });
    const enforcement = { verifier, decider: deciderFor({ deny: ['wire'] }), recorder };
    await tool('read', 'read', enforcement, () => 1).call({}, credential);
    await tool('wire', 'send', enforcement, () => 1)
      .call({}, credential)
      .catch(() => undefined);
    expect(seen).toEqual(['read:allow', 'wire:deny']);

    let ran = false;
    const broken = createOtelRecorder({
      tracer,
      observers: [
        {
          observe() {
            throw new Error('monitor unavailable');
          },
        },
      ],
    });
    const call = tool('read', 'read', { verifier, decider: deciderFor(), recorder: broken }, () => {
      ran = true;
    }).call({}, credential);
    await expect(call).rejects.toSatisfy((error) => GuardFaultError.isInstance(error));
    expect(ran).toBe(false);
  });

  it('validates its options when created', () => {
    expect(() => createOtelRecorder({ strict: true })).toThrow(/strict needs options.chain/);
    expect(() => createOtelRecorder({ tracer: {} as never })).toThrow(TypeError);
    expect(() => createOtelRecorder({ observers: [{}] as never })).toThrow(/observers\[0\]/);
    expect(() => createOtelRecorder({ captureContent: 'yes' as never })).toThrow(/captureContent/);
    expect(() => createOtelRecorder({ captureContent: { redact: [''] } })).toThrow(/paths\[0\]/);
  });
});

describe('createOtelRecorder with a chain', () => {
  function fakeChain(failIntents = false, failResults = false) {
    const appended: Array<{ entry: ChainEntry; options: AppendOptions | undefined; at: string }> = [];
    const keys = new Set<string>();
    let phase = 'before-body';
    const chain: AuditChain = {
      async append(entry, options) {
        if (failIntents && entry.type === 'intent') throw new Error('disk full');
        if (failResults && entry.type === 'result') throw new Error('disk full');
        if (entry.key !== undefined && keys.has(entry.key)) return { status: 'duplicate', key: entry.key };
        if (entry.key !== undefined) keys.add(entry.key);
        appended.push({ entry, options, at: phase });
        return { status: 'appended', sequence: appended.length - 1, hash: 'h' };
      },
      flush: async () => undefined,
      checkpoint: async () => ({ status: 'appended', sequence: 0, hash: 'h' }),
      close: async () => undefined,
    };
    return { chain, appended, enterBody: () => (phase = 'in-body') };
  }

  it('keeps a body error message out of the audit chain too, unless content is captured', async () => {
    const plain = fakeChain();
    const throwing = () => {
      throw new Error('password=hunter2 rejected');
    };
    const recorder = createOtelRecorder({ tracer, chain: plain.chain });
    await tool('flaky', 'read', { verifier, decider: deciderFor(), recorder }, throwing)
      .call({}, credential)
      .catch(() => undefined);
    const result = plain.appended.find((record) => record.entry.type === 'result');
    expect(result?.entry.data).toMatchObject({ status: 'error', error: { name: 'Error' } });
    expect(result).toBeDefined();
    expect((result!.entry.data as { error: { message?: unknown } }).error.message).toBeUndefined();
    expect(JSON.stringify(plain.appended)).not.toContain('hunter2');

    const captured = fakeChain();
    const capturing = createOtelRecorder({
      tracer,
      chain: captured.chain,
      captureContent: {
        redactors: [
          { redact: (value) => (typeof value === 'string' ? value.replace('hunter2', '***') : value) },
        ],
      },
    });
    await tool('flaky', 'read', { verifier, decider: deciderFor(), recorder: capturing }, throwing)
      .call({}, credential)
      .catch(() => undefined);
    expect(captured.appended.find((record) => record.entry.type === 'result')?.entry.data).toMatchObject({
      error: { name: 'Error', message: 'password=*** rejected' },
    });
  });

  it('in strict mode, writes the intent durably before the body and the result after', async () => {
    const { chain, appended, enterBody } = fakeChain();
    const recorder = createOtelRecorder({ tracer, chain, strict: true });
    const refund = tool('refund', 'write', { verifier, decider: deciderFor(), recorder }, () => {
      enterBody();
      return { refunded: true };
    });
    await refund.call({ amount: 5 }, { ...credential, callId: 'c-1' });
    expect(appended.map(({ entry, options, at }) => [entry.type, entry.key, options?.durable, at])).toEqual([
      ['intent', 'intent:c-1', true, 'before-body'],
      ['result', 'result:c-1:ok', true, 'in-body'],
    ]);
    expect(appended[0]!.entry.data).toMatchObject({
      callId: 'c-1',
      tool: 'refund',
      request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', effect: 'write' },
      decision: { effect: 'allow', ruleIds: ['read-ok'], policyVersion: 'sha256:abc' },
    });
    expect(only().attributes['palisade.intent.durable']).toBe(true);
  });

  it('in strict mode, denies the call when the intent cannot be written', async () => {
    const { chain, appended } = fakeChain(true);
    const recorder = createOtelRecorder({ tracer, chain, strict: true });
    let ran = false;
    const refund = tool('refund', 'write', { verifier, decider: deciderFor(), recorder }, () => {
      ran = true;
    });
    const error = await refund.call({ amount: 5 }, credential).catch((caught: unknown) => caught);
    expect(GuardFaultError.isInstance(error)).toBe(true);
    expect((error as GuardFaultError).stage).toBe('intent');
    expect(ran).toBe(false);
    // The denial itself is still recorded, with the request and decision it was about.
    expect(appended).toHaveLength(1);
    expect(appended[0]!.entry.data).toMatchObject({
      status: 'denied',
      error: { code: 'ERR_GUARD_FAULT', stage: 'intent' },
      decision: { effect: 'allow' },
    });
  });

  it('in strict mode, withholds the output of a call whose result record cannot be written', async () => {
    const { chain } = fakeChain(false, true);
    const recorder = createOtelRecorder({ tracer, chain, strict: true });
    let ran = false;
    const refund = tool('refund', 'write', { verifier, decider: deciderFor(), recorder }, () => {
      ran = true;
      return { refunded: true };
    });
    const error = await refund.call({ amount: 5 }, credential).catch((caught: unknown) => caught);
    expect(ran).toBe(true);
    // The write ran: this is a failure after the body, never a refusal.
    expect(CallFailedError.isInstance(error)).toBe(true);
    expect((error as CallFailedError).stage).toBe('record');
  });

  it('records reads best-effort in strict mode, and a denied call as one result record', async () => {
    const { chain, appended } = fakeChain();
    const recorder = createOtelRecorder({ tracer, chain, strict: true });
    const enforcement = { verifier, decider: deciderFor({ deny: ['wire'] }), recorder };
    await tool('read', 'read', enforcement, () => 1).call({}, { ...credential, callId: 'r' });
    await tool('wire', 'send', enforcement, () => 1)
      .call({}, { ...credential, callId: 'w' })
      .catch(() => undefined);
    expect(appended.map(({ entry, options }) => [entry.key, options?.durable])).toEqual([
      ['intent:r', false],
      ['result:r:ok', false],
      ['result:w:denied', true],
    ]);
    expect(appended[2]!.entry.data).toMatchObject({
      request: { effect: 'send' },
      decision: { effect: 'deny' },
    });
  });

  it('records a re-run of the same tool call id once and marks the span as a replay', async () => {
    const { chain, appended } = fakeChain();
    const recorder = createOtelRecorder({ tracer, chain, strict: true });
    const refund = tool('refund', 'write', { verifier, decider: deciderFor(), recorder }, () => 'done');
    await refund.call({ amount: 5 }, { ...credential, callId: 'lg-1' });
    await refund.call({ amount: 5 }, { ...credential, callId: 'lg-1' });
    expect(appended.map(({ entry }) => entry.key)).toEqual(['intent:lg-1', 'result:lg-1:ok']);
    const [first, second] = exporter.getFinishedSpans();
    expect(first!.attributes['palisade.replay']).toBeUndefined();
    expect(second!.attributes['palisade.replay']).toBe(true);
  });
});
