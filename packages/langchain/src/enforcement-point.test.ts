import { ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { createEnforcementPoint, type EnforcedOutcome } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deniedToolMessage } from './internal/denied-tool-message.js';
import { AGENT_TOKEN, createTestSetup } from './test-support/doubles.js';

// A LangChain tool call through core's one enforcement point: the adapter only translates outcomes
// (a ToolMessage, an interrupt value), it never decides, records or digests.

function translate(outcome: EnforcedOutcome<unknown>, toolCall: { id: string; name: string }) {
  switch (outcome.status) {
    case 'done':
      return outcome.value;
    case 'denied':
      return deniedToolMessage(outcome.error, toolCall);
    case 'paused':
      return { interrupt: { approvalId: outcome.error.approvalId, tool: outcome.request.name } };
    case 'failed':
      throw outcome.error;
  }
}

describe('a LangChain tool call through createEnforcementPoint', () => {
  it('runs, refuses and pauses LangChain tools from one point prepared once per tool', async () => {
    const { enforcement, recorder } = createTestSetup({ get_ticket: 'allow', refund: 'approve' });
    const point = createEnforcementPoint(enforcement);
    const read = vi.fn(async ({ id }: { id: string }) => `Ticket ${id}`);
    const getTicket = tool(read, {
      name: 'get_ticket',
      description: 'Read',
      schema: z.object({ id: z.string() }),
    });
    const refund = tool(async () => 'refunded', {
      name: 'refund',
      description: 'Refund',
      schema: z.object({}),
    });
    const close = tool(async () => 'closed', {
      name: 'close_ticket',
      description: 'Close',
      schema: z.object({}),
    });
    const prepared = {
      get_ticket: point.prepare({ name: 'get_ticket', effect: 'read', inputSchema: getTicket.schema }),
      refund: point.prepare({ name: 'refund', effect: 'write', inputSchema: refund.schema }),
      close_ticket: point.prepare({ name: 'close_ticket', effect: 'write', inputSchema: close.schema }),
    };
    const context = { credential: AGENT_TOKEN };

    const done = await prepared.get_ticket.run({ id: 'T-1' }, { ...context, callId: 'c1' }, (input) =>
      getTicket.invoke(input),
    );
    expect(translate(done, { id: 'c1', name: 'get_ticket' })).toBe('Ticket T-1');

    const denied = await prepared.close_ticket.run({}, { ...context, callId: 'c2' }, (input) =>
      close.invoke(input),
    );
    const message = translate(denied, { id: 'c2', name: 'close_ticket' });
    expect(ToolMessage.isInstance(message)).toBe(true);
    expect((message as ToolMessage).status).toBe('error');

    const paused = await prepared.refund.run({}, { ...context, callId: 'c3' }, (input) =>
      refund.invoke(input),
    );
    expect(translate(paused, { id: 'c3', name: 'refund' })).toMatchObject({ interrupt: { tool: 'refund' } });

    expect(read).toHaveBeenCalledOnce();
    expect(recorder.records.map((record) => record.outcome?.status)).toEqual([
      'ok',
      'denied',
      'pending-approval',
    ]);
  });
});
