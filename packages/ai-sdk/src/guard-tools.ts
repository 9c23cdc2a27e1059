import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type CallDescriptor,
  type Effect,
  type Enforcement,
  type GuardedTool,
  GuardFaultError,
  guard,
  recordRefusal,
} from '@palisade/core';
import type { ToolExecutionOptions, ToolSet } from 'ai';
import { approvalReferenceOf } from './internal/approval-reference.js';
import { toStandardSchema } from './internal/input-schema.js';
import { humanApprovalRequestFor } from './internal/messages.js';
import {
  assertToolResultScreening,
  screenToolResult,
  type ToolResultScreening,
} from './internal/screen-tool-result.js';
import { type AnyTool, GUARDED_TOOL, toolRunKind } from './internal/tool-kind.js';
import { toolSettings } from './internal/tool-settings.js';
import type { PalisadeToolOptions } from './tool-options.js';

/** Options of `guardTools`. */
export interface GuardToolsOptions<NAMES extends string = string> extends PalisadeToolOptions<NAMES> {
  /**
   * Tools that Palisade cannot wrap: provider-executed tools (run by the model provider) and tools
   * without `execute` (run by the client). `refuse` (default) throws; `tool-approval` passes them
   * through unchanged, for a tool set whose `toolApproval` is `createToolApproval()`, which then is
   * the only check they get.
   */
  readonly unwrappable?: 'refuse' | 'tool-approval' | undefined;
  /**
   * Screens what each tool returns before the model reads it, with the content layer of
   * `@palisade/retrieval-guard`: injection screening (`screener`; a flagged string is spotlighted
   * and the session tainted, or the result withheld) and redaction (`redactor`).
   */
  readonly screenResults?: ToolResultScreening | undefined;
}

/**
 * Wraps the `execute` of every function and dynamic tool of an AI SDK tool set in Palisade's
 * enforcement loop (`guard()` of `@palisade/core`): each call is validated, its credential
 * verified, decided by the policy, sent for human approval when the policy says so, recorded, and
 * only then executed. Everything else about each tool (description, schemas, context schema,
 * `toModelOutput`) is kept.
 *
 * A tool's effect and target come from `effects` / `targets`, else from the policy's tool catalog;
 * a tool that neither names is refused when the tool set is guarded. A call that is
 * refused at execution throws the `AccessDeniedError` (or `ApprovalRequiredError`), which the AI
 * SDK turns into a `tool-error` result the model reads. The Palisade call id is the AI SDK tool
 * call id, and a human approval obtained through `createToolApproval` is found again in the
 * message history and consumed once.
 *
 * @example
 * ```ts
 * const tools = guardTools({ getBalance, sendMoney }, palisade, {
 *   effects: { getBalance: 'read', sendMoney: 'send' },
 *   targets: { sendMoney: 'payments' },
 *   context: { credential: agentToken, sessionId: chatId },
 * });
 * const result = await generateText({ model, tools, prompt });
 * ```
 * @see createToolApproval
 */
export function guardTools<TOOLS extends ToolSet>(
  tools: TOOLS,
  palisade: Enforcement,
  options: GuardToolsOptions<keyof TOOLS & string>,
): TOOLS {
  if (typeof tools !== 'object' || tools === null)
    throw new TypeError('guardTools(): tools must be a tool set object');
  const settings = toolSettings(options, 'guardTools()', palisade);
  const unwrappable = options.unwrappable ?? 'refuse';
  if (unwrappable !== 'refuse' && unwrappable !== 'tool-approval') {
    throw new TypeError("guardTools(): options.unwrappable must be 'refuse' or 'tool-approval'");
  }
  const { screenResults } = options;
  assertToolResultScreening('guardTools()', screenResults);
  // One async context per tool set carries the AI SDK's execution options to the tool body, so
  // concurrent calls (even with equal tool call ids) never see each other's options.
  const executions = new AsyncLocalStorage<ToolExecutionOptions<unknown>>();

  const guarded: Record<string, AnyTool> = {};
  for (const [name, tool] of Object.entries(tools)) {
    if (typeof tool !== 'object' || tool === null)
      throw new TypeError(`guardTools(): tool "${name}" is not a tool`);
    const effect = settings.effectOf(name);
    if (effect === undefined) {
      throw new TypeError(
        `guardTools(): tool "${name}" has no effect in options.effects nor in the policy's tool catalog; every tool must declare one`,
      );
    }
    const kind = toolRunKind(tool);
    if (kind !== 'executable') {
      if (unwrappable === 'refuse') {
        throw new TypeError(
          `guardTools(): tool "${name}" is ${kind === 'provider-executed' ? 'executed by the model provider' : 'executed by the client (no execute)'} and cannot be wrapped; decide on it with createToolApproval() and pass options.unwrappable: 'tool-approval'`,
        );
      }
      guarded[name] = tool;
      continue;
    }
    guarded[name] = wrapTool(name, tool, effect);
  }
  return guarded as TOOLS;

  function wrapTool(name: string, tool: AnyTool, effect: Effect): AnyTool {
    const original = tool.execute as NonNullable<AnyTool['execute']>;
    const target = settings.targetOf(name);
    const inner: GuardedTool<unknown, unknown> = guard(
      {
        name,
        description: typeof tool.description === 'string' ? tool.description : '',
        inputSchema: toStandardSchema(tool.inputSchema),
        effect,
        target,
        async execute(input, guarded) {
          const execution = executions.getStore();
          if (!execution) throw new Error(`"${name}" ran outside of its AI SDK execution`);
          const output = await lastValueOf(await original(input, execution));
          if (!screenResults) return output;
          return screenToolResult(output, screenResults, {
            sessions: palisade.sessions,
            sessionId: guarded.request.context.sessionId,
          });
        },
      },
      palisade,
    );

    async function execute(input: unknown, execution: ToolExecutionOptions<unknown>): Promise<unknown> {
      const call = {
        toolName: name,
        toolCallId: execution.toolCallId,
        input,
        messages: execution.messages ?? [],
        toolContext: execution.context,
      };
      let explicit: Awaited<ReturnType<typeof settings.explicitContext>>;
      try {
        explicit = await settings.explicitContext(call);
      } catch (error) {
        throw await contextFault({ kind: 'tool', name, effect, target, callId: execution.toolCallId }, error);
      }
      const approvalId =
        explicit.approvalId ??
        approvalReferenceOf(humanApprovalRequestFor(execution.messages, execution.toolCallId)?.reason);
      const context = { ...explicit, approvalId, signal: explicit.signal ?? execution.abortSignal };
      return executions.run(execution, () => inner.call(input, context));
    }

    return Object.assign({ ...tool }, { execute, [GUARDED_TOOL]: true }) as AnyTool;
  }

  /** The call context could not be resolved: the call is denied, and recorded as such. */
  async function contextFault(call: CallDescriptor, cause: unknown): Promise<GuardFaultError> {
    const { name, callId } = call;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const fault = new GuardFaultError(`Denied "${name}": the context stage failed (${detail})`, {
      stage: 'context',
      tool: name,
      callId,
      cause,
    });
    await recordRefusal(palisade.recorder, call, fault);
    return fault;
  }
}

/**
 * A tool body may stream preliminary results as an async iterable. The whole body must run inside
 * the guard (so that its end is recorded), so the iterable is drained here and its last value is
 * the result, which is also what the AI SDK treats as the final output.
 */
async function lastValueOf(output: unknown): Promise<unknown> {
  if (typeof output !== 'object' || output === null || !(Symbol.asyncIterator in output)) return output;
  let last: unknown;
  for await (const value of output as AsyncIterable<unknown>) last = value;
  return last;
}
