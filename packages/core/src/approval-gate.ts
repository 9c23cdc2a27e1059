import type { ActionRequest } from './action-request.js';
import type { Decision } from './decision.js';

/** How an approval gate settled one request. */
export type ApprovalOutcome =
  | { readonly status: 'approved'; readonly approvalId: string; readonly approver?: string | undefined }
  | { readonly status: 'denied'; readonly approvalId?: string | undefined; readonly reason: string };

/** Options for one authorisation. */
export interface AuthorizeOptions {
  /** Set when a paused call resumes after a reviewer decided on this approval request. */
  readonly approvalId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Puts a human in front of an action the policy marked `approve`.
 *
 * An implementation proposes the exact action, then either waits for a decision or throws
 * `ApprovalRequiredError` so the framework can pause; on resume (with `approvalId`) it recomputes
 * the digest of the actual call, checks it equals the approved one and consumes the approval once.
 */
export interface ApprovalGate {
  authorize(request: ActionRequest, decision: Decision, options: AuthorizeOptions): Promise<ApprovalOutcome>;
}
