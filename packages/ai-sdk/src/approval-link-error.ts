import { PalisadeError } from '@palisade/core';

/**
 * An approval answer in the message history cannot be tied to the Palisade approval request it
 * claims to answer: the tool call is missing, the request does not exist, or it describes another
 * call (tool, input or call id differ). Nothing is recorded.
 *
 * @example
 * ```ts
 * try {
 *   await recordApprovalResponses(messages, { approvals, approverCredential });
 * } catch (error) {
 *   if (ApprovalLinkError.isInstance(error)) return new Response('Stale approval', { status: 409 });
 *   throw error;
 * }
 * ```
 */
export class ApprovalLinkError extends PalisadeError {
  static override readonly kind: string = 'ApprovalLinkError';
  override readonly code: string = 'ERR_APPROVAL_LINK';
  /** The Palisade approval request id the history refers to, when it names one. */
  readonly approvalId: string | undefined;
  readonly toolCallId: string;

  constructor(message: string, options: { approvalId?: string | undefined; toolCallId: string }) {
    super(message);
    this.approvalId = options.approvalId;
    this.toolCallId = options.toolCallId;
  }
}
