import { OpenTelemetry } from '@ai-sdk/otel';
import { createOtelRecorder } from '@palisade/audit';
import type { Enforcement } from '@palisade/core';
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToolCallTrace } from './create-tool-call-trace.js';
import { guardedToolSettings } from './guarded-tool-settings.js';
import { approvalParts } from './test-support/approvals.js';
import { ruleDecider, tokenVerifier } from './test-support/doubles.js';
import { scriptedModel } from './test-support/scripted-model.js';
import { memoryTracing, parentOf } from './test-support/tracing.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** The AI SDK with its own OpenTelemetry integration, and Palisade recording spans on the same SDK. */
function setup(options: { trace?: ReturnType<typeof createToolCallTrace> } = {}) {
  const tracing = memoryTracing();
  const { service, gate } = approvalParts();
  closers.push(tracing.close, () => service.close());
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider([
      { id: 'reads', when: (request) => request.effect === 'read', effect: 'allow', reason: 'reads ok' },
    ]),
    recorder: createOtelRecorder({ tracer: tracing.provider.getTracer('palisade') }),
    approvals: gate,
  };
  const settings = guardedToolSettings(
    {
      getBalance: tool({ description: 'Balance', inputSchema: z.object({}), execute: async () => 1200 }),
      sendMoney: tool({
        description: 'Send money',
        inputSchema: z.object({ amount: z.number() }),
        execute: async () => 'sent',
      }),
    },
    palisade,
    {
      effects: { getBalance: 'read', sendMoney: 'send' },
      context: { credential: 'agent-token' },
      approvals: service,
      trace: options.trace,
    },
  );
  const telemetry = { integrations: [new OpenTelemetry({ tracer: tracing.provider.getTracer('ai') })] };
  return { tracing, settings, telemetry };
}

describe('spans of a guarded AI SDK run', () => {
  it("records one Palisade span per tool execution, nested in the AI SDK's execute_tool span", async () => {
    const { tracing, settings, telemetry } = setup();
    const model = scriptedModel([
      { toolCalls: [{ id: 'call-1', name: 'getBalance', input: {} }] },
      { text: 'You have 1200.' },
    ]);
    await generateText({ model, ...settings, prompt: 'balance?', stopWhen: stepCountIs(3), telemetry });

    const spans = tracing.spans();
    const toolSpans = spans.filter((span) => span.name === 'execute_tool getBalance');
    expect(toolSpans).toHaveLength(1);
    const guardSpans = spans.filter((span) => span.name === 'palisade.guard getBalance');
    expect(guardSpans).toHaveLength(1);
    expect(parentOf(guardSpans[0]!)).toBe(toolSpans[0]!.spanContext().spanId);
    expect(guardSpans[0]!.attributes).toMatchObject({
      'palisade.decision': 'allow',
      'gen_ai.tool.call.id': 'call-1',
    });
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it('puts a denial by toolApproval in the trace of the model call that proposed it', async () => {
    for (const streaming of [false, true]) {
      const trace = createToolCallTrace();
      const { tracing, settings, telemetry } = setup({ trace });
      const model = wrapLanguageModel({
        model: scriptedModel([
          { toolCalls: [{ id: 'call-9', name: 'sendMoney', input: { amount: 5 } }] },
          { text: 'I could not send it.' },
        ]),
        middleware: trace.middleware,
      });
      const options = { model, ...settings, prompt: 'pay', stopWhen: stepCountIs(3), telemetry };
      if (streaming) await streamText(options).consumeStream();
      else await generateText(options);

      const spans = tracing.spans();
      const denial = spans.find((span) => span.attributes['palisade.decision'] === 'deny');
      const root = spans.find((span) => span.name.startsWith('invoke_agent'));
      const chat = spans.filter((span) => span.name.startsWith('chat'))[0];
      expect(denial?.attributes['gen_ai.tool.call.id']).toBe('call-9');
      expect(denial?.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(parentOf(denial!)).toBe(chat?.spanContext().spanId);
      tracing.close();
    }
  });

  it('without the trace link, the denial is a trace of its own (what the link fixes)', async () => {
    const { tracing, settings, telemetry } = setup();
    const model = scriptedModel([{ toolCalls: [{ id: 'call-9', name: 'sendMoney', input: { amount: 5 } }] }]);
    await generateText({ model, ...settings, prompt: 'pay', stopWhen: stepCountIs(2), telemetry });
    const spans = tracing.spans();
    const denial = spans.find((span) => span.attributes['palisade.decision'] === 'deny');
    const root = spans.find((span) => span.name.startsWith('invoke_agent'));
    expect(denial?.spanContext().traceId).not.toBe(root?.spanContext().traceId);
  });
});
