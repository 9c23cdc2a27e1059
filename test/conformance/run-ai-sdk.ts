/**
 * The scenario through the Vercel AI SDK 7: `generateText` with a scripted `MockLanguageModelV4`, the
 * guarded tools and the policy-backed `toolApproval`; a human's answer goes back as a
 * `tool-approval-response` recorded with `recordApprovalResponses`, which also records a refusal (the
 * AI SDK never executes a refused call).
 */

import { guardedToolSettings, recordApprovalResponses } from '@palisade/ai-sdk';
import type { CallRecord } from '@palisade/core';
import { generateText, type ModelMessage, stepCountIs, type ToolSet, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { type ConformanceSetup, createConformanceSetup, SCENARIO, type ToolName } from './scenario.js';

const SCHEMAS: Record<ToolName, z.ZodObject> = {
  get_order: z.object({ orderId: z.string() }),
  get_ticket: z.object({ id: z.string() }),
  update_crm: z.object({ customerId: z.string(), tier: z.string() }),
  refund: z.object({ orderId: z.string(), amount: z.number() }),
  send_email: z.object({ to: z.string(), body: z.string() }),
};

const USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/** A model that makes the scenario's calls, one per turn, then closes with a text. */
function scenarioModel(): MockLanguageModelV4 {
  let turn = 0;
  return new MockLanguageModelV4({
    doGenerate: async () => {
      const step = SCENARIO[turn++];
      if (!step) {
        return {
          content: [{ type: 'text', text: 'All done.' }],
          finishReason: { unified: 'stop', raw: undefined },
          usage: USAGE,
          warnings: [],
        };
      }
      return {
        content: [
          { type: 'tool-call', toolCallId: step.id, toolName: step.tool, input: JSON.stringify(step.input) },
        ],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage: USAGE,
        warnings: [],
      };
    },
  });
}

/** Runs the scenario as one conversation; returns the run's records (call id = tool call id). */
export async function runAiSdk(): Promise<{ setup: ConformanceSetup; records: readonly CallRecord[] }> {
  const setup = await createConformanceSetup();
  const tools: ToolSet = {};
  for (const name of Object.keys(SCHEMAS) as ToolName[]) {
    tools[name] = tool({
      description: `The ${name} tool`,
      inputSchema: SCHEMAS[name],
      execute: async (input: Record<string, unknown>) => setup.bodies[name](input),
    });
  }
  // Effects and targets come from the policy's catalog.
  const settings = guardedToolSettings(tools, setup.palisade, {
    context: { credential: setup.agentToken, sessionId: 'conversation-1' },
  });
  const model = scenarioModel();
  const messages: ModelMessage[] = [{ role: 'user', content: 'Sort out O-1 and O-2' }];
  for (;;) {
    const result = await generateText({ model, ...settings, messages, stopWhen: stepCountIs(20) });
    messages.push(...result.responseMessages);
    // Calls the policy allowed carry an approval request answered at once; look for an unanswered one.
    const answered = new Set(
      result.content.flatMap((part) => (part.type === 'tool-approval-response' ? [part.approvalId] : [])),
    );
    const request = result.content
      .flatMap((part) => (part.type === 'tool-approval-request' ? [part] : []))
      .find((part) => !answered.has(part.approvalId));
    if (!request) break;
    const step = SCENARIO.find((candidate) => candidate.id === request.toolCall.toolCallId);
    if (!step?.review || step.review === 'leave-pending') break;
    messages.push({
      role: 'tool',
      content: [
        {
          type: 'tool-approval-response',
          approvalId: request.approvalId,
          approved: step.review === 'approve',
        },
      ],
    });
    await recordApprovalResponses(messages, {
      approvals: setup.palisade.approvalService!,
      approverCredential: setup.reviewerToken,
      palisade: setup.palisade,
    });
  }
  setup.palisade.close();
  return { setup, records: setup.recorder.records };
}
