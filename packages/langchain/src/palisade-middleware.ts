import { AIMessage, type BaseMessage, HumanMessage, type ToolMessage } from '@langchain/core/messages';
import { type Command, getConfig, interrupt as graphInterrupt } from '@langchain/langgraph';
import {
  AccessDeniedError,
  type CallContext,
  type Effect,
  type Enforcement,
  GuardFaultError,
  InputValidationError,
  recordRefusal,
  type StandardSchemaV1,
} from '@palisade/core';
import { type AgentMiddleware, createMiddleware } from 'langchain';
import type { LangChainGuardOptions } from './guard-options.js';
import { answeredToolMessage } from './internal/answered-tool-message.js';
import { assertEnforcement } from './internal/assert-enforcement.js';
import { createCallJournal, graphTaskOf } from './internal/call-journal.js';
import { type CallRunner, createCallRunner } from './internal/call-runner.js';
import { deniedToolMessage } from './internal/denied-tool-message.js';
import { reviewerOf } from './internal/guard-with-catalog.js';
import { isGuardedTool } from './internal/guarded-marker.js';
import { preReview } from './internal/pre-review.js';
import {
  createReviewStateSchema,
  REVIEW_STATE_KEY,
  type ReviewState,
  readReviewState,
  reviewOf,
  type StepReview,
} from './internal/review-state.js';
import { type OutcomeJournal, runGuardedCall } from './internal/run-guarded-call.js';
import { createToolCatalog } from './internal/tool-catalog.js';
import type { ContextSource } from './read-call-context.js';

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

/** How many calls the middleware remembers for re-runs after an interrupt, and tools it keeps guards for. */
const JOURNAL_SIZE = 1000;
const RUNNER_LIMIT = 1000;

/**
 * A `createAgent` middleware that puts every tool call of the agent through Palisade's enforcement
 * loop, including tools registered dynamically by other middleware (they need an entry in
 * `options.schemas`, since the agent holds no schema for them).
 *
 * - The credential and call context come from `runtime.context` (`agent.invoke(input, { context })`),
 *   falling back to `config.configurable`; the session is the `thread_id` unless the context names one.
 * - Deny: the call answers with a `ToolMessage` with `status: "error"` carrying the reason; the agent
 *   continues and the model sees the refusal.
 * - Approve: after the model step, the calls the policy sends to a human are proposed to the approval
 *   service, and the graph pauses on one interrupt in LangChain's human-in-the-loop shape (a
 *   `ReviewRequest`: `actionRequests` and `reviewConfigs`), so a review UI built for
 *   `humanInTheLoopMiddleware` works unchanged. Resume with `new Command({ resume: { decisions } })`,
 *   one decision per action: `approve`, `edit`, `reject` (and `respond`, when allowed). Each approved or
 *   edited call is decided again when it runs and consumes an approval bound to its exact payload.
 * - The step's review, and the agent's credential while it waits, are checkpointed: a resume needs
 *   neither the `context` nor the same process, and never proposes a call twice.
 *
 * The agent needs a checkpointer (`MemorySaver` in tests, `PostgresSaver` across processes) for
 * reviews to pause and resume. Tools already wrapped with `guardTool` guard themselves and are passed
 * through.
 *
 * @example
 * ```ts
 * const agent = createAgent({
 *   model,
 *   tools: [getTicket, refund],
 *   middleware: [palisadeMiddleware(palisade, { effects: { get_ticket: 'read', refund: 'write' } })],
 *   checkpointer: new MemorySaver(),
 * });
 * const config = { configurable: { thread_id: 't-1' }, context: { credential: agentToken } };
 * const paused = await agent.invoke({ messages: [{ role: 'user', content: 'Refund T-1' }] }, config);
 * const review = pendingReview(paused); // { actionRequests, reviewConfigs }
 * await agent.invoke(new Command({ resume: { decisions: [{ type: 'approve' }] } }), {
 *   configurable: { thread_id: 't-1' },
 *   context: { approverCredential: reviewerToken },
 * });
 * ```
 * @see https://docs.langchain.com/oss/javascript/langchain/human-in-the-loop
 */
export function palisadeMiddleware(
  enforcement: Enforcement,
  options: PalisadeMiddlewareOptions = {},
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
  // One guard per tool definition, built on first use and kept (bounded by the number of tools).
  const runners = new Map<string, { readonly schema: StandardSchemaV1; readonly runner: CallRunner }>();
  // The agent's tools as the model was last shown them, for the review after each model step.
  const tools = new Map<string, { readonly schema: unknown; readonly guarded: boolean }>();

  const runnerFor = (
    name: string,
    effect: Effect,
    target: string | undefined,
    schema: StandardSchemaV1,
    description: string,
  ) => {
    const known = runners.get(name);
    if (
      known &&
      known.schema === schema &&
      known.runner.definition.effect === effect &&
      known.runner.definition.target === target
    ) {
      return known.runner;
    }
    const runner = createCallRunner(enforcement, {
      name,
      description,
      inputSchema: schema,
      effect,
      kind: 'tool',
      target,
    });
    runners.delete(name);
    runners.set(name, { schema, runner });
    if (runners.size > RUNNER_LIMIT) runners.delete(runners.keys().next().value as string);
    return runner;
  };

  const withUserMessages = (context: CallContext, messages: readonly BaseMessage[]): CallContext =>
    trustHumanMessages
      ? { ...context, userMessages: [...(context.userMessages ?? []), ...humanTexts(messages)] }
      : context;

  // Model hooks get a runtime whose context LangChain filters by the middleware's own (absent)
  // context schema; the run's config, where LangGraph keeps the full context, is the source here.
  const sourceOf = (runtime: { configurable?: Record<string, unknown> | undefined }): ContextSource => {
    const config = getConfig();
    return {
      context: (config as { context?: unknown }).context,
      configurable: config.configurable ?? runtime.configurable,
    };
  };
  const screenContext = (source: ContextSource): ModelScreenContext => ({
    call: catalog.resolveContext(source),
    threadId: typeof source.configurable?.thread_id === 'string' ? source.configurable.thread_id : undefined,
  });

  const beforeModel = options.beforeModel;
  const afterModel = options.afterModel;

  return createMiddleware({
    name: 'PalisadeMiddleware',
    stateSchema: createReviewStateSchema(),
    wrapModelCall: async (request, handler) => {
      for (const tool of request.tools ?? []) {
        const name = (tool as { name?: unknown }).name;
        if (typeof name !== 'string') continue;
        tools.delete(name);
        tools.set(name, { schema: (tool as { schema?: unknown }).schema, guarded: isGuardedTool(tool) });
        if (tools.size > RUNNER_LIMIT) tools.delete(tools.keys().next().value as string);
      }
      return handler(request);
    },
    // A new run starts without what an earlier, abandoned run left in the checkpoint.
    beforeAgent: (state) => (readReviewState(state) === undefined ? undefined : cleared()),
    afterModel: async (state, runtime) => {
      const source = sourceOf(runtime);
      let last = state.messages.at(-1);
      let replaced: AIMessage | undefined;
      if (afterModel && AIMessage.isInstance(last)) {
        replaced = await afterModel(last, screenContext(source));
        if (replaced !== undefined) {
          assertReplaces([replaced], [last], 'afterModel');
          last = replaced;
        }
      }
      const previous = readReviewState(state);
      let context: CallContext | undefined;
      try {
        context = withUserMessages(catalog.resolveContext(source), state.messages);
      } catch {
        // An unreadable context: the tool node refuses each call and records it.
      }
      // A run resumed without context goes on under the credential it was reviewed under.
      const carried = context?.credential === undefined ? previous?.credential : undefined;
      if (context && carried !== undefined) context = { ...context, credential: carried };
      let review: StepReview | undefined;
      const service = catalog.reviewService;
      if (service && context && AIMessage.isInstance(last) && (last.tool_calls?.length ?? 0) > 0) {
        review = await preReview(last.tool_calls ?? [], {
          enforcement,
          catalog,
          service,
          toolOf: (name) => tools.get(name),
          context,
        });
      }
      const credential =
        catalog.checkpointCredential && (review !== undefined || carried !== undefined)
          ? context?.credential
          : undefined;
      const next: ReviewState | null =
        review !== undefined || credential !== undefined ? { review, credential } : null;
      const update: Record<string, unknown> = {};
      if (replaced !== undefined) update.messages = [replaced];
      if (next !== null || previous !== undefined) update[REVIEW_STATE_KEY] = next;
      return Object.keys(update).length > 0 ? update : undefined;
    },
    // The run is over: nothing of it stays in the checkpoint.
    afterAgent: (state) => (readReviewState(state) === undefined ? undefined : cleared()),
    wrapToolCall: async (request, handler) => {
      const { toolCall, runtime } = request;
      if (isGuardedTool(request.tool)) return handler(request);
      const name = toolCall.name;
      const callId = toolCall.id ?? enforcement.newCallId?.() ?? crypto.randomUUID();
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
          { stage: 'decide', tool: name, callId, cause: error },
        );
      }
      if (effect === undefined || unknown) {
        const refusal =
          unknown ??
          new AccessDeniedError(
            `Denied "${name}": neither options.effects nor the policy's tool catalog declares its effect`,
            { stage: 'decide', tool: name, callId },
          );
        // An unknown tool is treated as the most privileged kind for the record.
        await recordRefusal(
          enforcement.recorder,
          { kind: 'tool', name, effect: 'execute', callId, target: undefined },
          refusal,
        );
        return deniedToolMessage(refusal, toolCall);
      }
      let runner: CallRunner;
      try {
        const description = typeof request.tool?.description === 'string' ? request.tool.description : '';
        runner = runnerFor(name, effect, target, catalog.schemaFor(name, request.tool?.schema), description);
      } catch (error) {
        const refusal = new InputValidationError(name, [{ path: '(root)', message: messageOf(error) }], {
          callId,
        });
        await recordRefusal(enforcement.recorder, { kind: 'tool', name, effect, callId, target }, refusal);
        return deniedToolMessage(refusal, toolCall);
      }
      const configurable = runtime.configurable;
      const reviewed = reviewOf(request.state, toolCall);
      const stored = readReviewState(request.state);
      const outcome = await runGuardedCall({
        enforcement,
        runner,
        args: toolCall.args,
        toolCallId: toolCall.id,
        graphTask: graphTaskOf(configurable),
        context: () => {
          const context = withUserMessages(
            catalog.resolveContext({ context: runtime.context, configurable, toolCall }),
            request.state.messages,
          );
          // A resume without context verifies the credential the step was reviewed under.
          const credential = context.credential ?? stored?.credential;
          return { ...context, credential, signal: context.signal ?? runtime.signal };
        },
        execute: (args) => async () =>
          handler(
            args === toolCall.args
              ? request
              : { ...request, toolCall: { ...toolCall, args: args as Record<string, unknown> } },
          ),
        interrupt: runtime.interrupt ?? graphInterrupt,
        journal,
        review: {
          service: catalog.reviewService,
          reviewer: () => reviewerOf(catalog, { context: runtime.context, configurable }),
          allowed: catalog.allowedDecisions,
        },
        reviewed: reviewed && { request: reviewed.review.request, index: reviewed.index },
      });
      if (outcome.status === 'done') return outcome.value as ToolMessage | Command;
      if (outcome.status === 'denied') return deniedToolMessage(outcome.error, toolCall);
      if (outcome.status === 'answered') return answeredToolMessage(outcome.content, outcome.error, toolCall);
      // A call that ran and then failed is an error, never a refusal; an approval that cannot pause
      // is unreachable with an interrupt function and fails closed all the same.
      throw outcome.error;
    },
    ...(beforeModel && {
      beforeModel: async (state, runtime) => {
        const replaced = await beforeModel(state.messages, screenContext(sourceOf(runtime)));
        if (replaced === undefined) return undefined;
        assertReplaces(replaced, state.messages, 'beforeModel');
        return { messages: [...replaced] };
      },
    }),
  });
}

/**
 * The update that clears the review state. LangChain types middleware state updates from the
 * schema, whose custom field it cannot infer; `null` is what the field's schema accepts.
 */
function cleared(): Record<string, never> {
  return { [REVIEW_STATE_KEY]: null } as unknown as Record<string, never>;
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
