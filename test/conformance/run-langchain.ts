/**
 * The scenario through LangChain v1: `createAgent` with a scripted `FakeToolCallingModel`, the
 * Palisade middleware, approvals as LangGraph interrupts resumed with `Command({ resume })`.
 */
import { tool } from '@langchain/core/tools';
import { Command, MemorySaver } from '@langchain/langgraph';
import type { CallRecord } from '@palisade/core';
import { palisadeMiddleware, pendingApprovals } from '@palisade/langchain';
import { createAgent, FakeToolCallingModel } from 'langchain';
import { z } from 'zod';
import { type ConformanceSetup, createConformanceSetup, SCENARIO, type ToolName } from './scenario.js';

const SCHEMAS: Record<ToolName, z.ZodObject> = {
  get_order: z.object({ orderId: z.string() }),
  get_ticket: z.object({ id: z.string() }),
  update_crm: z.object({ customerId: z.string(), tier: z.string() }),
  refund: z.object({ orderId: z.string(), amount: z.number() }),
  send_email: z.object({ to: z.string(), body: z.string() }),
};

/** Runs the scenario as one conversation; returns the run's records grouped by step (tool call id). */
export async function runLangChain(): Promise<{ setup: ConformanceSetup; records: readonly CallRecord[] }> {
  const setup = await createConformanceSetup();
  const tools = (Object.keys(SCHEMAS) as ToolName[]).map((name) =>
    tool(async (input: Record<string, unknown>) => setup.bodies[name](input), {
      name,
      description: `The ${name} tool`,
      schema: SCHEMAS[name],
    }),
  );
  // One model turn per step, each calling one tool, then a closing turn without tool calls.
  const model = new FakeToolCallingModel({
    toolCalls: [...SCENARIO.map((step) => [{ name: step.tool, args: { ...step.input }, id: step.id }]), []],
  });
  const agent = createAgent({
    model,
    tools,
    // Effects and targets come from the policy's catalog.
    middleware: [palisadeMiddleware(setup.palisade, {})],
    checkpointer: new MemorySaver(),
  });
  const thread = { configurable: { thread_id: 'conversation-1' } };

  let result = await agent.invoke(
    { messages: [{ role: 'user', content: 'Sort out O-1 and O-2' }] },
    { ...thread, context: { credential: setup.agentToken } },
  );
  for (;;) {
    const [pending] = pendingApprovals(result);
    if (!pending) break;
    const step = SCENARIO.find((candidate) => candidate.id === pending.approval.callId);
    if (!step?.review || step.review === 'leave-pending') break;
    // The reviewer decides in the approval service; the app resumes in LangChain's HITL shape, with
    // only the thread: the step's review and the agent's credential are in the checkpoint.
    await setup.review(pending.approval.approvalId, step.review === 'approve');
    result = await agent.invoke(new Command({ resume: { decisions: [{ type: 'approve' }] } }), thread);
  }
  setup.palisade.close();
  return { setup, records: setup.recorder.records };
}
