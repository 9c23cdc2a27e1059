import { OpenTelemetry } from '@ai-sdk/otel';
import { createOtelRecorder } from '@palisade/audit';
import type { Enforcement } from '@palisade/core';
import { generateText, stepCountIs, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
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
function setup() {
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
});
