import {
  AccessDeniedError,
  type ActionRequest,
  ApprovalDeniedError,
  ApprovalRequiredError,
  actionRequestDigest,
  approvalProposal,
  type CallDescriptor,
  type Decision,
  type Enforcement,
  GuardFaultError,
  recordRefusal,
  type StandardSchemaV1,
} from '@palisade/core';
import type { ModelMessage, ToolApprovalConfiguration, ToolApprovalStatus, ToolSet } from 'ai';
import type { ToolCallTrace } from './create-tool-call-trace.js';
import { approvalReferenceOf, withApprovalReference } from './internal/approval-reference.js';
import { type EvaluatedCall, evaluateCall } from './internal/evaluate-call.js';
import { toStandardSchema, validatedToolContext } from './internal/input-schema.js';
import { humanApprovalRequestFor } from './internal/messages.js';
import {
  assertApprovalConfiguration,
  NOT_APPLICABLE,
  ownApprovalStatus,
  stricter,
} from './internal/own-approval.js';
import { recordOutcome } from './internal/record-outcome.js';
import { isGuardedTool, toolRunKind } from './internal/tool-kind.js';
import { ownValue, toolSettings } from './internal/tool-settings.js';
import type { ToolApprovalService } from './tool-approval-service.js';
import type { PalisadeToolOptions } from './tool-options.js';

/** Options of `createToolApproval`. */
export interface ToolApprovalOptions<NAMES extends string = string> extends PalisadeToolOptions<NAMES> {
  /**
   * Where calls the policy sends to a human are proposed (an `ApprovalService` from
   * `@palisade/approval`). Defaults to `palisade.approvalService` when the enforcement is a
   * `createPalisade()` instance configured with approvals. Without one, every `approve` decision
   * is a denial.
   */
  readonly approvals?: ToolApprovalService | undefined;
  /** Lifetime of the approval requests proposed here; default: the service's. */
  readonly ttlMs?: number | undefined;
  /**
   * The application's own approval settings: what it would pass to `generateText` as
   * `toolApproval` (a function, or per-tool statuses and functions). Tools' own `needsApproval`
   * counts too when this does not name the tool, as in the AI SDK. Palisade combines them with the
   * policy and the stricter wins: a call the policy allows still asks the user when the
   * application says so, and one the application denies is denied whatever the policy says.
   */
  readonly toolApproval?: ToolApprovalConfiguration<ToolSet, unknown> | undefined;
  /**
   * Puts what this check records (denials, proposals) in the trace of the model call that proposed
   * the tool call: a `createToolCallTrace()` whose middleware wraps the model.
   */
  readonly trace?: ToolCallTrace | undefined;
}

/** What the AI SDK passes to a generic `toolApproval` function. */
export interface ToolApprovalCall {
  readonly toolCall: {
    readonly toolCallId: string;
    readonly toolName: string;
    readonly input: unknown;
    readonly providerExecuted?: boolean | undefined;
  };
  readonly tools: ToolSet | undefined;
  readonly toolsContext: unknown;
  readonly runtimeContext: unknown;
  readonly messages: ModelMessage[];
}

/** A `toolApproval` function for `generateText` / `streamText` / `ToolLoopAgent`. */
export type PalisadeToolApproval = (call: ToolApprovalCall) => Promise<ToolApprovalStatus>;

/**
 * Creates the `toolApproval` function that lets the policy settle each tool call before it runs.
 * It builds the same `ActionRequest` the guard would build at execution and asks the decider:
 *
 * - `allow` -> `'not-applicable'`: nothing is added to the conversation, and the guarded tool
 *   decides again when it executes;
 * - `deny` -> `'denied'`, whose reason reaches the model as an `execution-denied` tool result;
 * - `approve` -> the exact call is proposed in the approval service, and `'user-approval'` asks
 *   the app to collect a human's answer; `recordApprovalResponses` turns that answer into a
 *   decision by an authorised approver, and the approval is consumed once, where the call is used.
 *
 * The application's own approval settings (`options.toolApproval`, else each tool's
 * `needsApproval`) are combined with the policy, the stricter winning: an allowed call still asks
 * the user when the application says so, a call the application denies is denied, and a call the
 * policy sends to a human is proposed in Palisade whatever the application says (one answer serves
 * both).
 *
 * This check decides early; it authorises nothing on its own. A tool wrapped by `guardTools` is
 * decided again when it executes, so no decision is ever reused, and its approval is consumed
 * there. Tools Palisade cannot wrap (provider-executed, or without `execute`) are decided here
 * only: an answered call is approved only if its approval is consumed here, against the digest of
 * the actual call (so it must be approved, unexpired, unused and signed), and a second check of
 * the same answer is denied. Executable tools that were not wrapped by `guardTools` are denied.
 * Any failure is a denial.
 *
 * Denials and proposals are recorded here; an allow of a guarded tool is recorded when it runs.
 * A tool Palisade cannot wrap is released here, whether allowed or approved by a human: its
 * obligations are met (an obligation without a handler, or one that fails, denies it) and its use
 * is recorded once, with the intent to execute and the approval it consumed.
 *
 * @example
 * ```ts
 * const toolApproval = createToolApproval(palisade, {
 *   effects: { getBalance: 'read', sendMoney: 'send' },
 *   approvals: approvalService,
 * });
 * const result = await generateText({ model, tools, toolApproval, experimental_toolApprovalSecret, prompt });
 * ```
 * @see guardedToolSettings for the options with the approval secret set
 */
export function createToolApproval(
  palisade: Enforcement,
  options: ToolApprovalOptions,
): PalisadeToolApproval {
  if (typeof palisade !== 'object' || palisade === null) {
    throw new TypeError(
      'createToolApproval(): palisade must be an Enforcement (verifier, decider, recorder)',
    );
  }
  for (const [key, method] of [
    ['verifier', 'verify'],
    ['decider', 'decide'],
    ['recorder', 'record'],
  ] as const) {
    if (typeof (palisade[key] as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
      throw new TypeError(`createToolApproval(): palisade.${key} is required and must have ${method}()`);
    }
  }
  const settings = toolSettings(options, 'createToolApproval()', palisade);
  const { ttlMs, toolApproval: ownConfiguration, trace } = options;
  if (trace !== undefined && typeof trace?.run !== 'function') {
    throw new TypeError('createToolApproval(): options.trace must come from createToolCallTrace()');
  }
  /** Records in the trace of the model call that proposed the tool call, when it is known. */
  const inTrace = (toolCallId: string, record: () => Promise<void>) =>
    trace ? trace.run(toolCallId, record) : record();
  assertApprovalConfiguration(ownConfiguration, 'createToolApproval()');
  const approvals = options.approvals ?? approvalServiceOf(palisade);
  if (
    approvals !== undefined &&
    (typeof approvals?.propose !== 'function' ||
      typeof approvals.get !== 'function' ||
      typeof approvals.consume !== 'function')
  ) {
    throw new TypeError(
      'createToolApproval(): options.approvals must be an approval service (propose, get, consume)',
    );
  }
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1)) {
    throw new TypeError('createToolApproval(): options.ttlMs must be a positive integer number of ms');
  }

  // The input schema each tool validates with, derived once per tool object.
  const schemas = new WeakMap<object, StandardSchemaV1<unknown, unknown>>();
  const schemaOf = (tool: ToolSet[string]) => {
    const known = schemas.get(tool);
    if (known) return known;
    const schema = toStandardSchema(tool.inputSchema);
    schemas.set(tool, schema);
    return schema;
  };

  return async function toolApproval(call: ToolApprovalCall): Promise<ToolApprovalStatus> {
    const { toolCall } = call;
    const name = toolCall.toolName;
    // A tool without a known effect is denied; it is recorded as the most dangerous effect.
    let descriptor: CallDescriptor = { kind: 'tool', name, effect: 'execute', callId: toolCall.toolCallId };
    let evaluated: EvaluatedCall | undefined;
    try {
      const effect = settings.effectOf(name);
      const target = settings.targetOf(name);
      if (effect !== undefined) descriptor = { ...descriptor, effect, target };
      const tool = call.tools ? ownValue(call.tools as Record<string, ToolSet[string]>, name) : undefined;
      if (!tool) throw refused(name, toolCall.toolCallId, `"${name}" is not a tool of this tool set`);
      if (effect === undefined) {
        throw refused(
          name,
          toolCall.toolCallId,
          `"${name}" has no effect in options.effects nor in the policy's tool catalog`,
        );
      }
      const runKind = toolRunKind(tool);
      const guardedAtExecution = runKind === 'executable' && isGuardedTool(tool);
      if (runKind === 'executable' && !guardedAtExecution) {
        throw refused(
          name,
          toolCall.toolCallId,
          `"${name}" executes without Palisade's guard (wrap it with guardTools)`,
        );
      }
      let toolContext: Promise<unknown> | undefined;
      const validToolContext = () => {
        toolContext ??= validatedToolContext(
          tool.contextSchema,
          ownValue(call.toolsContext as Record<string, unknown> | undefined, name),
        );
        return toolContext;
      };
      const context = await settings.fullContext(
        {
          toolName: name,
          toolCallId: toolCall.toolCallId,
          input: toolCall.input,
          messages: call.messages,
          toolContext: await validToolContext(),
        },
        palisade.scope,
      );
      evaluated = await evaluateCall(
        palisade,
        {
          name,
          effect,
          target,
          inputSchema: schemaOf(tool),
          input: toolCall.input,
          callId: toolCall.toolCallId,
        },
        context,
      );
      const { request, decision } = evaluated;

      if (decision.effect === 'deny') {
        return await refuse(
          new AccessDeniedError(`Denied "${name}": ${decision.reason}`, {
            stage: 'decide',
            tool: name,
            callId: toolCall.toolCallId,
            decision,
          }),
        );
      }
      // The application's own approval setting counts too; the stricter of it and the policy wins.
      const own = await ownApprovalStatus(ownConfiguration, tool, call, validToolContext);
      if (own.type === 'denied') {
        return await refuse(
          new AccessDeniedError(
            `Denied "${name}": ${own.reason ?? "the application's own tool approval denied the call"}`,
            { stage: 'approve', tool: name, callId: toolCall.toolCallId, decision },
          ),
        );
      }

      // A human already answered for this call. Each Palisade approval is consumed in one place,
      // against the digest of the actual call: a guarded tool consumes it when it executes; for a
      // tool Palisade cannot wrap, this check is its use, so it is consumed here.
      const answered = humanApprovalRequestFor(call.messages, toolCall.toolCallId);
      if (answered) {
        if (guardedAtExecution) return NOT_APPLICABLE;
        const reference = approvalReferenceOf(answered.reason);
        // An answer to the application's own approval of a call the policy allows needs no
        // Palisade approval; anything the policy sends to a human does.
        const approvalId =
          reference === undefined && decision.effect === 'allow'
            ? undefined
            : await checkAnsweredApproval(request, reference);
        await releaseUnwrappable(descriptor, request, decision, approvalId);
        return NOT_APPLICABLE;
      }

      if (decision.effect === 'allow') {
        // Allowed: no approval parts, unless the application asks for them itself.
        const status = stricter(NOT_APPLICABLE, own);
        if (!guardedAtExecution && (status.type !== 'user-approval' || runKind === 'provider-executed')) {
          await releaseUnwrappable(descriptor, request, decision, undefined);
        }
        return status;
      }

      if (!approvals) {
        throw new ApprovalDeniedError(`"${name}" needs approval and no approval service is configured`, {
          tool: name,
          callId: toolCall.toolCallId,
          decision,
        });
      }
      const proposed = await approvals.propose(approvalProposal(request, decision, { ttlMs }));
      const pending = new ApprovalRequiredError({
        approvalId: proposed.id,
        digest: proposed.digest,
        tool: name,
        callId: toolCall.toolCallId,
        expiresAt: proposed.expiresAt,
      });
      await inTrace(toolCall.toolCallId, () =>
        recordRefusal(palisade.recorder, descriptor, pending, { request, decision }),
      );
      // One human answer serves the policy and the application's own approval alike.
      return { type: 'user-approval', reason: withApprovalReference(decision.reason, proposed.id) };
    } catch (error) {
      const denial = AccessDeniedError.isInstance(error)
        ? (error as AccessDeniedError)
        : new GuardFaultError(`Denied "${name}": the tool approval check failed (${messageOf(error)})`, {
            stage: evaluated ? 'approve' : 'context',
            tool: name,
            callId: toolCall.toolCallId,
            decision: evaluated?.decision,
            cause: error,
          });
      return refuse(denial);
    }

    /**
     * Records the refusal through core's one refusal path and tells the AI SDK, whose model reads
     * it as `execution-denied`.
     */
    async function refuse(denial: AccessDeniedError): Promise<ToolApprovalStatus> {
      await inTrace(toolCall.toolCallId, () =>
        recordRefusal(palisade.recorder, descriptor, denial, evaluated),
      );
      return { type: 'denied', reason: denial.message };
    }
  };

  /**
   * For a tool Palisade cannot wrap, this check is where the approval a human gave is used, and the
   * only place: it is consumed in the approval service, atomically, against the digest of the
   * actual call. The service's consume checks that the approval exists, was approved, has not
   * expired and was not used before, and verifies the decision's signature; the call is approved
   * only when that succeeds, so a replay of the same messages, an expired approval or a changed
   * input is denied. Resolves with the id of the approval it consumed.
   */
  async function checkAnsweredApproval(
    request: ActionRequest,
    approvalId: string | undefined,
  ): Promise<string> {
    const deny = (why: string) =>
      new ApprovalDeniedError(`Denied "${request.name}": ${why}`, {
        tool: request.name,
        callId: request.callId,
        approvalId,
      });
    if (approvalId === undefined) throw deny('the answer names no Palisade approval');
    if (!approvals) throw deny(`approval ${approvalId} cannot be checked: no approval service is configured`);
    const stored = await approvals.get(approvalId);
    if (!stored) throw deny(`approval ${approvalId} does not exist`);
    if (stored.callId !== request.callId) {
      throw deny(`approval ${approvalId} was given for another tool call (${stored.callId})`);
    }
    const digest = actionRequestDigest(request);
    const used = await approvals.consume(approvalId, digest);
    if (used?.ok !== true) {
      throw deny(
        typeof used?.message === 'string' && used.message !== ''
          ? used.message
          : `approval ${approvalId} could not be used for this call`,
      );
    }
    return approvalId;
  }

  /**
   * Lets a tool Palisade cannot wrap run, once it is allowed or its approval was consumed: its
   * obligations are met, then the call is recorded with the intent to execute (and the approval it
   * used), once per use. Rejects, so that the call is denied, when an obligation cannot be met or
   * the recorder fails.
   */
  async function releaseUnwrappable(
    descriptor: CallDescriptor,
    request: ActionRequest,
    decision: Decision,
    approvalId: string | undefined,
  ): Promise<void> {
    await settleUnwrappable(request, decision);
    await recordOutcome(palisade.recorder, {
      call: descriptor,
      request,
      decision,
      intent: true,
      approvalId,
      outcome: { status: 'ok' },
    });
  }

  /**
   * A tool Palisade cannot wrap is allowed (or its approval used) here and runs elsewhere, so its
   * obligations must be met now, before it runs: session labels are added, and handlers that act
   * before a call (counting it against a limit) run. An obligation that needs the tool's output,
   * which Palisade never sees, or that has no handler, denies the call.
   */
  async function settleUnwrappable(request: ActionRequest, decision: Decision): Promise<void> {
    for (const obligation of decision.obligations) {
      if (obligation.type === 'label-session') {
        const labels = obligation.labels;
        if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) {
          throw new TypeError('A label-session obligation needs `labels: string[]`');
        }
        if (!palisade.sessions || request.context.sessionId === undefined) {
          throw new TypeError(
            `"${request.name}" labels the session, but there is no session store or session id`,
          );
        }
        await palisade.sessions.addLabels(request.context.sessionId, labels);
        continue;
      }
      const handler = palisade.obligations ? ownValue(palisade.obligations, obligation.type) : undefined;
      if (!handler?.before || handler.after) {
        throw new TypeError(
          `obligation "${obligation.type}" cannot be met for a tool Palisade does not execute`,
        );
      }
      await handler.before(obligation, request);
    }
  }
}

/** The approval service a `createPalisade()` instance carries, if any. */
function approvalServiceOf(palisade: Enforcement): ToolApprovalService | undefined {
  const service = (palisade as { approvalService?: unknown }).approvalService;
  return typeof service === 'object' && service !== null ? (service as ToolApprovalService) : undefined;
}

function refused(tool: string, callId: string, reason: string): AccessDeniedError {
  return new AccessDeniedError(`Denied "${tool}": ${reason}`, { stage: 'decide', tool, callId });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
