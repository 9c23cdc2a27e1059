import {
  type ActionRequest,
  ApprovalDeniedError,
  type ApprovalRequest,
  type AuditRecorder,
  canonicalJson,
  type Decision,
  recordRefusal,
} from '@palisade/core';
import type { ModelMessage } from 'ai';
import { ApprovalLinkError } from './approval-link-error.js';
import { approvalReferenceOf } from './internal/approval-reference.js';
import { approvalRequestById, toolCallById } from './internal/messages.js';
import type { ToolApprovalService } from './tool-approval-service.js';

/** Options of `recordApprovalResponses`. */
export interface RecordApprovalResponsesOptions {
  /** The approval service the requests were proposed in. */
  readonly approvals: ToolApprovalService;
  /**
   * The credential of the person who answered (a token the service's approver check verifies). The
   * service refuses approvers without an allowed role, and requesters approving their own calls.
   */
  readonly approverCredential: string;
  /**
   * The enforcement the tools are guarded with (a `createPalisade()` instance). The AI SDK never
   * executes a call a human refused, so no guard sees it: each refusal recorded here is written to
   * `palisade.recorder` as the call's final outcome (`denied`, with an `ApprovalDeniedError`), once.
   * Without it, refused calls leave only their proposal on record.
   */
  readonly palisade?: { readonly recorder: AuditRecorder } | undefined;
}

/** What became of one answer. */
export interface RecordedApprovalResponse {
  readonly toolCallId: string;
  readonly toolName: string;
  /** The Palisade approval request id. */
  readonly approvalId: string;
  /**
   * `recorded`: the answer is now the request's signed decision. `already-decided`: the request
   * was decided before (in the console, or by an earlier identical request), and that decision
   * stands.
   */
  readonly status: 'recorded' | 'already-decided';
  /** Whether the request is approved now (the stored decision, which may differ from the answer). */
  readonly approved: boolean;
}

/**
 * Turns the human answers in the last tool message (`tool-approval-response` parts, as the AI SDK
 * and `useChat`'s `addToolApprovalResponse` produce them) into decisions recorded in Palisade's
 * approval service by an authenticated approver. Call it before passing the messages back to
 * `generateText` / `streamText`: the guarded tool (or, for a tool Palisade cannot wrap, the
 * `toolApproval`) then finds the approval and consumes it once.
 *
 * Only answers to approval requests proposed by `createToolApproval` are considered; each is
 * checked to describe exactly the tool call in the history (call id, tool and input). Answers to a
 * request decided earlier leave that decision in place, so repeating a request is harmless.
 * Nothing is consumed here: an approval is used once, where the call is checked against it (the
 * guarded `execute`, or `toolApproval` for a tool Palisade cannot wrap). A refusal is the refused call's final outcome (the AI SDK never executes it): with
 * `options.palisade`, it is recorded through the enforcement's recorder, once.
 *
 * @example
 * ```ts
 * messages.push({ role: 'tool', content: [{ type: 'tool-approval-response', approvalId, approved: true }] });
 * await recordApprovalResponses(messages, {
 *   approvals: approvalService,
 *   approverCredential: reviewerToken,
 *   palisade,
 * });
 * const result = await generateText({ ...settings, model, messages });
 * ```
 * @see createToolApproval
 */
export async function recordApprovalResponses(
  messages: readonly ModelMessage[],
  options: RecordApprovalResponsesOptions,
): Promise<RecordedApprovalResponse[]> {
  if (!Array.isArray(messages)) throw new TypeError('recordApprovalResponses(): messages must be an array');
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('recordApprovalResponses(): options must be an object');
  }
  const { approvals, approverCredential, palisade } = options;
  for (const method of ['get', 'decide'] as const) {
    if (typeof approvals?.[method] !== 'function') {
      throw new TypeError(
        `recordApprovalResponses(): options.approvals must be an approval service with ${method}()`,
      );
    }
  }
  if (typeof approverCredential !== 'string' || approverCredential === '') {
    throw new TypeError('recordApprovalResponses(): options.approverCredential must be a non-empty string');
  }
  if (
    palisade !== undefined &&
    typeof (palisade as { recorder?: { record?: unknown } } | null)?.recorder?.record !== 'function'
  ) {
    throw new TypeError('recordApprovalResponses(): options.palisade must be an enforcement with a recorder');
  }

  const last = messages.at(-1);
  if (last?.role !== 'tool') return [];
  const recorded: RecordedApprovalResponse[] = [];
  for (const part of last.content) {
    if (part.type !== 'tool-approval-response') continue;
    const request = approvalRequestById(messages, part.approvalId);
    const approvalId = approvalReferenceOf(request?.reason);
    if (!request || request.isAutomatic === true || approvalId === undefined) continue;

    const toolCall = toolCallById(messages, request.toolCallId);
    if (!toolCall) {
      throw new ApprovalLinkError(
        `The tool call ${request.toolCallId} answered by approval ${approvalId} is not in the messages`,
        {
          approvalId,
          toolCallId: request.toolCallId,
        },
      );
    }
    const stored = await approvals.get(approvalId);
    if (
      !stored ||
      stored.callId !== request.toolCallId ||
      stored.tool !== toolCall.toolName ||
      canonicalJson(stored.input) !== canonicalJson(toolCall.input)
    ) {
      throw new ApprovalLinkError(
        `Approval request ${approvalId} does not describe tool call ${request.toolCallId} (${toolCall.toolName})`,
        { approvalId, toolCallId: request.toolCallId },
      );
    }

    const base = { toolCallId: request.toolCallId, toolName: toolCall.toolName, approvalId };
    if (stored.status !== 'pending') {
      recorded.push({
        ...base,
        status: 'already-decided',
        approved: stored.status === 'approved' || stored.status === 'consumed',
      });
      continue;
    }
    const decision = await approvals.decide({
      approvalId,
      approve: part.approved,
      approverCredential,
      reason: part.reason,
    });
    // Only the answer that moved the request out of `pending` is recorded, so a refusal is
    // recorded once however often the same messages come back.
    if (!decision.approve && palisade)
      await recordReviewerRefusal(palisade.recorder, stored, decision.reason);
    recorded.push({ ...base, status: 'recorded', approved: decision.approve });
  }
  return recorded;
}

/**
 * Records a refused call as `guard()` records an attempt whose approval was refused: decided
 * `approve` by the policy (the decision the reviewer answered, as stored with the proposal), and
 * ended `denied` with an `ApprovalDeniedError`.
 */
async function recordReviewerRefusal(
  recorder: AuditRecorder,
  stored: ApprovalRequest,
  reason: string | undefined,
): Promise<void> {
  const decision: Decision | undefined = stored.policy && {
    effect: 'approve',
    reason: stored.policy.reason,
    ruleIds: [...stored.policy.ruleIds],
    policyVersion: stored.policy.policyVersion,
    obligations: [],
  };
  const request: ActionRequest = {
    kind: stored.kind,
    name: stored.tool,
    effect: stored.effect,
    target: stored.target,
    input: stored.input,
    callId: stored.callId,
    principal: {
      agent: stored.agent,
      user: stored.user,
      delegation: [...stored.delegation],
      scopes: [],
      claims: {},
    },
    context: {
      time: stored.decision?.decidedAt ?? Date.now(),
      labels: [],
      userMessages: [],
      audience: stored.audience,
      attributes: {},
    },
  };
  const error = new ApprovalDeniedError(
    `Approval refused for "${stored.tool}"${reason ? `: ${reason}` : ''}`,
    { tool: stored.tool, callId: stored.callId, decision, approvalId: stored.id },
  );
  const call = {
    kind: stored.kind,
    name: stored.tool,
    effect: stored.effect,
    callId: stored.callId,
    target: stored.target,
  };
  await recordRefusal(recorder, call, error, decision && { request, decision });
}
