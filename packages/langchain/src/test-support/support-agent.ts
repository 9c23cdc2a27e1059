import { ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { type BaseCheckpointSaver, MemorySaver } from '@langchain/langgraph';
import { createAgent, FakeToolCallingModel } from 'langchain';
import { vi } from 'vitest';
import { z } from 'zod';
import { type PalisadeMiddlewareOptions, palisadeMiddleware } from '../palisade-middleware.js';
import type { TestSetup } from './doubles.js';

export const EFFECTS = { get_ticket: 'read', refund: 'execute', close_ticket: 'write' } as const;

export type ScriptedCall = { name: string; args: Record<string, unknown>; id: string };

/** A support agent on a scripted model: each inner list is one model step's tool calls. */
export function supportAgent(
  setup: TestSetup,
  script: ScriptedCall[][],
  options: Partial<PalisadeMiddlewareOptions> & {
    version?: 'v1' | 'v2';
    checkpointer?: BaseCheckpointSaver;
  } = {},
) {
  const bodies = {
    getTicket: vi.fn(async ({ id }: { id: string }) => `Ticket ${id}: printer on fire`),
    refund: vi.fn(async ({ amount }: { amount: number }) => `Refunded ${amount} EUR`),
    closeTicket: vi.fn(async ({ id }: { id: string }) => `Closed ${id}`),
  };
  const tools = [
    tool(bodies.getTicket, {
      name: 'get_ticket',
      description: 'Read a support ticket',
      schema: z.object({ id: z.string() }),
    }),
    tool(bodies.refund, {
      name: 'refund',
      description: 'Refund a customer',
      schema: z.object({ amount: z.number().positive() }),
    }),
    tool(bodies.closeTicket, {
      name: 'close_ticket',
      description: 'Close a ticket',
      schema: z.object({ id: z.string() }),
    }),
  ];
  const { version, checkpointer, ...middlewareOptions } = options;
  const agent = createAgent({
    model: new FakeToolCallingModel({ toolCalls: [...script, []] }),
    tools,
    middleware: [palisadeMiddleware(setup.enforcement, { effects: EFFECTS, ...middlewareOptions })],
    checkpointer: checkpointer ?? new MemorySaver(),
    ...(version ? { version } : {}),
  });
  return { agent, bodies };
}

export const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

/** The tool results of a run, in order. */
export function toolResults(result: { messages: unknown[] }) {
  return result.messages
    .filter((message) => ToolMessage.isInstance(message))
    .map((message) => ({
      id: message.tool_call_id,
      status: message.status,
      content: String(message.content),
    }));
}
