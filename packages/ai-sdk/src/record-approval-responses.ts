import { canonicalJson } from '@palisade/core';
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
 * `generateText` / `streamText`: the guarded tool then finds the approval and consumes it once.
 *
 * Only answers to approval requests proposed by `createToolApproval` are considered; each is
 * checked to describe exactly the tool call in the history (call id, tool and input). Answers to a
 * request decided earlier leave that decision in place, so repeating a request is harmless.
 * Approvals of provider-executed tools are consumed here, because handing them on to the provider
 * is their use.
 *
 * @example
 * ```ts
 * messages.push({ role: 'tool', content: [{ type: 'tool-approval-response', approvalId, approved: true }] });
 * await recordApprovalResponses(messages, { approvals: approvalService, approverCredential: reviewerToken });
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
  const { approvals, approverCredential } = options;
  for (const method of ['get', 'decide', 'consume'] as const) {
    if (typeof approvals?.[method] !== 'function') {
      throw new TypeError(
        `recordApprovalResponses(): options.approvals must be an approval service with ${method}()`,
      );
    }
  }
  if (typeof approverCredential !== 'string' || approverCredential === '') {
    throw new TypeError('recordApprovalResponses(): options.approverCredential must be a non-empty string');
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
    if (decision.approve && toolCall.providerExecuted === true) {
      const used = await approvals.consume(approvalId, stored.digest);
      if (!used.ok) {
        throw new ApprovalLinkError(
          `Approval ${approvalId} could not be used for the provider-executed call`,
          base,
        );
      }
    }
    recorded.push({ ...base, status: 'recorded', approved: decision.approve });
  }
  return recorded;
}
