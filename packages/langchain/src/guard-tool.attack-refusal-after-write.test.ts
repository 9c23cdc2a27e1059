import { tool } from '@langchain/core/tools';
import { AccessDeniedError, CallFailedError } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardTool } from './guard-tool.js';
import { AGENT_TOKEN, createTestSetup } from './test-support/doubles.js';

// Attack: a write runs, then an `after` obligation fails; the model must not read "refused" (and
// retry the write, or tell the user nothing happened).

describe('attack: a write that ran is reported to the model as refused', () => {
  it('surfaces a CallFailedError, never a denial ToolMessage, and runs the write once', async () => {
    const { enforcement, recorder } = createTestSetup({ close_ticket: 'allow' });
    const closeTicket = vi.fn(async ({ id }: { id: string }) => `Closed ${id}`);
    const guarded = guardTool(
      tool(closeTicket, {
        name: 'close_ticket',
        description: 'Close a ticket',
        schema: z.object({ id: z.string() }),
      }),
      {
        ...enforcement,
        decider: {
          decide: () => ({
            effect: 'allow',
            reason: 'allowed',
            ruleIds: ['r'],
            policyVersion: 'v',
            obligations: [{ type: 'count' }],
          }),
        },
        obligations: {
          count: {
            after() {
              throw new Error('counter store down');
            },
          },
        },
      },
      { effects: { close_ticket: 'write' } },
    );
    const outcome = await guarded
      .invoke(
        { type: 'tool_call', id: 'call-9', name: 'close_ticket', args: { id: 'T-1' } },
        { context: { credential: AGENT_TOKEN } },
      )
      .catch((caught: unknown) => caught);
    expect(closeTicket).toHaveBeenCalledTimes(1);
    expect(CallFailedError.isInstance(outcome)).toBe(true);
    expect(AccessDeniedError.isInstance(outcome)).toBe(false);
    expect(String((outcome as Error).message)).not.toMatch(/denied|refused/i);
    expect(recorder.records[0]?.outcome?.status).toBe('error');
  });
});
