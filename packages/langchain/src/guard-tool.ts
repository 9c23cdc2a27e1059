import type { ClientTool, StructuredTool } from '@langchain/core/tools';
import type { Enforcement } from '@palisade/core';
import type { LangChainGuardOptions } from './guard-options.js';
import { guardWithCatalog } from './internal/guard-with-catalog.js';
import { createToolCatalog } from './internal/tool-catalog.js';

/**
 * Wraps a LangChain tool so that every invocation goes through Palisade's enforcement loop
 * (validate -> verify credential -> decide -> approve -> execute -> record). The returned tool keeps
 * the name, description, schema, `returnDirect`, `responseFormat`, metadata, tags and extras, so a
 * model is bound to the same definition.
 *
 * The credential and call context come from the run context (`agent.invoke(input, { context })`,
 * seen by the tool as `config.context`), `config.configurable`, and the enforcement's `CallScope`.
 *
 * - Deny: invoked with a tool call (as agents do), the tool answers with a `ToolMessage` with
 *   `status: "error"` and the reason, so the agent continues and the model sees the refusal;
 *   invoked with bare arguments, it throws the `AccessDeniedError`.
 * - Approve: inside a LangGraph run the graph pauses on a one-action review in LangChain's
 *   human-in-the-loop shape and resumes with `Command({ resume: { decisions: [{ type: 'approve' }] } })`
 *   once a reviewer decided (pass the context again); outside one it throws `ApprovalRequiredError` (repeat the
 *   call inside `scope.run({ approvalId }, ...)` once a reviewer decided).
 *
 * The tool's effect comes from `options.effects`, else from the policy's tool catalog (when the
 * enforcement's decider is a `@palisade/policy` engine); a tool neither names is refused with a
 * `TypeError` now rather than let through later. JSON-schema tools are validated with the same JSON
 * Schema validator `@langchain/core` uses; provide `options.schemas` for anything else.
 *
 * @example
 * ```ts
 * const palisade = createPalisade({ ... });
 * const getTicket = guardTool(getTicketTool, palisade, { effects: { get_ticket: 'read' } });
 * const agent = createAgent({ model, tools: [getTicket], checkpointer });
 * await agent.invoke(input, { context: { credential: agentToken }, configurable: { thread_id } });
 * ```
 * @see palisadeMiddleware to guard every tool of an agent, including dynamically registered ones.
 */
export function guardTool(
  tool: ClientTool,
  enforcement: Enforcement,
  options: LangChainGuardOptions,
): StructuredTool {
  return guardWithCatalog(tool, enforcement, createToolCatalog(options, 'guardTool()', enforcement));
}
