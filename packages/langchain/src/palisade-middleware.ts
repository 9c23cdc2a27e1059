import { AIMessage, type BaseMessage, HumanMessage, type ToolMessage } from '@langchain/core/messages';
import { type Command, getConfig, interrupt as graphInterrupt } from '@langchain/langgraph';
import {
  AccessDeniedError,
  type CallContext,
  type Effect,
  type Enforcement,
  GuardFaultError,
  InputValidationError,
} from '@palisade/core';
import { type AgentMiddleware, createMiddleware } from 'langchain';
import type { LangChainGuardOptions } from './guard-options.js';
import { assertEnforcement } from './internal/assert-enforcement.js';
import { createCallJournal, graphTaskOf } from './internal/call-journal.js';
import { deniedToolMessage } from './internal/denied-tool-message.js';
import { isGuardedTool } from './internal/guarded-marker.js';
import { type OutcomeJournal, refuseCall, runGuardedCall } from './internal/run-guarded-call.js';
import { createToolCatalog } from './internal/tool-catalog.js';

/** What a model screen knows about the run. */
export interface ModelScreenContext {
  /** The call context resolved from the run (credential, session, labels, ...). */
  readonly call: CallContext;
  readonly threadId: string | undefined;
}

/**
 * Sees the conversation before each model call. Returns the messages to replace (matched by id;
 * every returned message must carry the id of a message in the conversation), or nothing to leave
 * it as is. Throwing stops the run, so nothing unscreened reaches the model.
 */
export type BeforeModelScreen = (
  messages: readonly BaseMessage[],
  context: ModelScreenContext,
) => readonly BaseMessage[] | undefined | Promise<readonly BaseMessage[] | undefined>;

/**
 * Sees each model reply before any of its tool calls runs. Returns a replacement carrying the
 * reply's id, or nothing to keep it. Throwing stops the run.
 */
export type AfterModelScreen = (
  message: AIMessage,
  context: ModelScreenContext,
) => AIMessage | undefined | Promise<AIMessage | undefined>;

/** Options of `palisadeMiddleware`. */
export interface PalisadeMiddlewareOptions extends LangChainGuardOptions {
  /**
   * Count the text of the conversation's `HumanMessage`s as the user's own messages, for policy
   * provenance checks. Default `false`: enable it only when human messages carry nothing but what
   * the user wrote (no retrieved text pasted into them).
   */
  readonly trustHumanMessages?: boolean | undefined;
  /** Content screening seam, before each model call. */
  readonly beforeModel?: BeforeModelScreen | undefined;
  /** Output screening seam, after each model call. */
  readonly afterModel?: AfterModelScreen | undefined;
}

/** How many calls the middleware remembers for re-runs after an interrupt. */
const JOURNAL_SIZE = 1000;

/**
 * A `createAgent` middleware that puts every tool call of the agent through Palisade's enforcement
 * loop, including tools registered dynamically by other middleware (they need an entry in
 * `options.schemas`, since the agent holds no schema for them).
 *
 * - The credential and call context come from `runtime.context` (`agent.invoke(input, { context })`),
 *   falling back to `config.configurable`; the session is the `thread_id` unless the context names one.
 * - Deny: the call answers with a `ToolMessage` with `status: "error"` carrying the reason; the agent
 *   continues and the model sees the refusal.
 * - Approve: the graph pauses with a LangGraph interrupt whose value is an `ApprovalInterrupt` (the
 *   approval id, tool, exact input and digest). Once a reviewer decided in the approval service, resume
 *   with `new Command({ resume: { approvalId } })`: the call is repeated with that approval id, the gate
 *   recomputes the digest of the actual call and consumes the approval once. The resume value is only a
 *   pointer, never a decision.
 * - LangGraph re-runs an interrupted node from its start. Calls are identified by their tool call id
 *   (which is also the guarded call id), so a re-run neither proposes the approval again nor repeats a
 *   call that already ran in this process.
 * - `context` is not checkpointed: pass it again with the resuming `invoke`, or the resumed call has
 *   no credential and is denied.
 *
 * The agent needs a checkpointer (`MemorySaver` in tests) for approvals to pause and resume. Tools
 * already wrapped with `guardTool` guard themselves and are passed through.
 *
 * @example
 * ```ts
 * const agent = createAgent({
 *   model,
 *   tools: [getTicket, refund],
 *   middleware: [palisadeMiddleware(palisade, { effects: { get_ticket: 'read', refund: 'execute' } })],
 *   checkpointer: new MemorySaver(),
 * });
 * const config = { configurable: { thread_id: 't-1' }, context: { credential: agentToken } };
 * const paused = await agent.invoke({ messages: [{ role: 'user', content: 'Refund T-1' }] }, config);
 * const [{ approval }] = pendingApprovals(paused);
 * // ... a reviewer approves approval.approvalId in the approval service ...
 * await agent.invoke(new Command({ resume: { approvalId: approval.approvalId } }), config);
 * ```
 * @see https://docs.langchain.com/oss/javascript/langchain/middleware
 */
export function palisadeMiddleware(
  enforcement: Enforcement,
  options: PalisadeMiddlewareOptions,
): AgentMiddleware {
  const catalog = createToolCatalog(options, 'palisadeMiddleware()', enforcement);
  for (const hook of ['beforeModel', 'afterModel'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new TypeError(`palisadeMiddleware(): options.${hook} must be a function`);
    }
  }
  if (options.trustHumanMessages !== undefined && typeof options.trustHumanMessages !== 'boolean') {
    throw new TypeError('palisadeMiddleware(): options.trustHumanMessages must be a boolean');
  }
  assertEnforcement(enforcement);
  const trustHumanMessages = options.trustHumanMessages === true;
  const journal: OutcomeJournal = createCallJournal(JOURNAL_SIZE);

  // Model hooks get a runtime whose context LangChain filters by the middleware's own (absent)
  // context schema; the run's config, where LangGraph keeps the full context, is the source here.
  const screenContext = (runtime: {
    configurable?: Record<string, unknown> | undefined;
  }): ModelScreenContext => {
    const config = getConfig();
    const configurable = config.configurable ?? runtime.configurable;
    return {
      call: catalog.resolveContext({ context: (config as { context?: unknown }).context, configurable }),
      threadId: typeof configurable?.thread_id === 'string' ? configurable.thread_id : undefined,
    };
  };

  const beforeModel = options.beforeModel;
  const afterModel = options.afterModel;

  return createMiddleware({
    name: 'PalisadeMiddleware',
    wrapToolCall: async (request, handler) => {
      const { toolCall, runtime } = request;
      if (isGuardedTool(request.tool)) return handler(request);
      const name = toolCall.name;
      let effect: Effect | undefined;
      let target: string | undefined;
      let unknown: AccessDeniedError | undefined;
      try {
        effect = catalog.effectOf(name);
        target = catalog.targetOf(name);
      } catch (error) {
        // A malformed entry in the policy's catalog: the tool's effect is unknown.
        unknown = new GuardFaultError(
          `Denied "${name}": the tool catalog could not be read (${messageOf(error)})`,
          {
            stage: 'decide',
            tool: name,
            callId: toolCall.id,
            cause: error,
          },
        );
      }
      if (effect === undefined || unknown) {
        const refusal =
          unknown ??
          new AccessDeniedError(
            `Denied "${name}": neither options.effects nor the policy's tool catalog declares its effect`,
            { stage: 'decide', tool: name, callId: toolCall.id },
          );
        // An unknown tool is treated as the most privileged kind for the record.
        await refuseCall(
          enforcement,
          { name, effect: 'execute', kind: 'tool', target: undefined },
          toolCall.id,
          refusal,
        );
        return deniedToolMessage(refusal, toolCall);
      }
      let inputSchema: ReturnType<typeof catalog.schemaFor>;
      try {
        inputSchema = catalog.schemaFor(name, request.tool?.schema);
      } catch (error) {
        const refusal = new InputValidationError(
          name,
          [{ path: '(root)', message: error instanceof Error ? error.message : String(error) }],
          { callId: toolCall.id },
        );
        await refuseCall(enforcement, { name, effect, kind: 'tool', target }, toolCall.id, refusal);
        return deniedToolMessage(refusal, toolCall);
      }
      const configurable = runtime.configurable;
      const outcome = await runGuardedCall({
        enforcement,
        definition: {
          name,
          description: typeof request.tool?.description === 'string' ? request.tool.description : '',
          inputSchema,
          effect,
          kind: 'tool',
          target,
        },
        args: toolCall.args,
        toolCallId: toolCall.id,
        graphTask: graphTaskOf(configurable),
        context: () => {
          const context = catalog.resolveContext({ context: runtime.context, configurable, toolCall });
          const userMessages = trustHumanMessages
            ? [...(context.userMessages ?? []), ...humanTexts(request.state.messages)]
            : context.userMessages;
          return { ...context, userMessages, signal: context.signal ?? runtime.signal };
        },
        execute: async () => handler(request),
        interrupt: runtime.interrupt ?? graphInterrupt,
        journal,
      });
      if (outcome.status === 'done') return outcome.value as ToolMessage | Command;
      if (outcome.status === 'denied') return deniedToolMessage(outcome.error, toolCall);
      // A call that ran and then failed is an error, never a refusal; an approval that cannot pause
      // is unreachable with an interrupt function and fails closed all the same.
      throw outcome.error;
    },
    ...(beforeModel && {
      beforeModel: async (state, runtime) => {
        const replaced = await beforeModel(state.messages, screenContext(runtime));
        if (replaced === undefined) return undefined;
        assertReplaces(replaced, state.messages, 'beforeModel');
        return { messages: [...replaced] };
      },
    }),
    ...(afterModel && {
      afterModel: async (state, runtime) => {
        const last = state.messages.at(-1);
        if (!AIMessage.isInstance(last)) return undefined;
        const replaced = await afterModel(last, screenContext(runtime));
        if (replaced === undefined) return undefined;
        assertReplaces([replaced], [last], 'afterModel');
        return { messages: [replaced] };
      },
    }),
  });
}

/**
 * A screen's output must replace messages, never add beside them: a message without the id of one it
 * replaces would leave the unscreened original in the conversation.
 */
function assertReplaces(
  replaced: readonly BaseMessage[],
  existing: readonly BaseMessage[],
  hook: string,
): void {
  if (!Array.isArray(replaced))
    throw new TypeError(`palisadeMiddleware(): ${hook} must return an array of messages`);
  const ids = new Set(existing.map((message) => message.id).filter((id) => id !== undefined));
  for (const message of replaced) {
    if (typeof message?.id !== 'string' || !ids.has(message.id)) {
      throw new TypeError(`palisadeMiddleware(): ${hook} returned a message that does not replace one by id`);
    }
  }
}

function humanTexts(messages: readonly BaseMessage[]): string[] {
  return messages.filter((message) => HumanMessage.isInstance(message)).map((message) => message.text);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
