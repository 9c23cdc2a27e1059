import { ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardTool } from './guard-tool.js';
import { AGENT_TOKEN, createTestSetup } from './test-support/doubles.js';

describe('guardTool (property)', () => {
  it('never runs the tool body without an allow for a verified caller and valid input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('allow', 'deny', 'approve'),
        fc.constantFrom(AGENT_TOKEN, 'forged-token', undefined),
        fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(-5, 'ten', null)),
        fc.boolean(),
        fc.option(fc.uuid(), { nil: undefined }),
        async (decision, credential, amount, asToolCall, approvalId) => {
          const setup = createTestSetup({ refund: decision });
          const body = vi.fn(async () => 'refunded');
          const guarded = guardTool(
            tool(body, {
              name: 'refund',
              description: 'Refund',
              schema: z.object({ amount: z.number().positive() }),
            }),
            setup.enforcement,
            { effects: { refund: 'execute' } },
          );
          const args = { amount };
          const input = asToolCall
            ? { type: 'tool_call' as const, id: 'call-1', name: 'refund', args }
            : args;
          const run = () => guarded.invoke(input, { context: { credential } });
          const outcome = await (approvalId ? setup.enforcement.scope!.run({ approvalId }, run) : run()).then(
            (value: unknown) => value,
            (error: unknown) => error,
          );

          const shouldRun =
            decision === 'allow' && credential === AGENT_TOKEN && typeof amount === 'number' && amount > 0;
          expect(body).toHaveBeenCalledTimes(shouldRun ? 1 : 0);
          if (!shouldRun && asToolCall && ToolMessage.isInstance(outcome))
            expect(outcome.status).toBe('error');
          // Every call leaves exactly one record, whatever happened.
          expect(setup.recorder.records).toHaveLength(1);
          setup.service.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
