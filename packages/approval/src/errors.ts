import { PalisadeError } from '@palisade/core';

/** Why an approver was refused. */
export type ApproverRejection = 'credential' | 'not-human' | 'role' | 'self-approval';

/**
 * The person (or credential) trying to decide an approval request may not: the credential did not
 * verify, it is not a person's (an agent's token, including one acting for the approving user), no
 * allowed role, or it is the requester approving its own request.
 *
 * @example
 * ```ts
 * try {
 *   await service.decide({ approvalId, approve: true, approverCredential });
 * } catch (error) {
 *   if (ApproverRejectedError.isInstance(error)) console.log(error.rejection);
 * }
 * ```
 */
export class ApproverRejectedError extends PalisadeError {
  static override readonly kind: string = 'ApproverRejectedError';
  override readonly code: string = 'ERR_APPROVER_REJECTED';
  /** The request being decided, when there was one. */
  readonly approvalId: string | undefined;
  readonly rejection: ApproverRejection;

  constructor(
    message: string,
    options: { approvalId?: string | undefined; rejection: ApproverRejection; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.approvalId = options.approvalId;
    this.rejection = options.rejection;
  }
}

/** Why a request could not take a decision. */
export type ApprovalStateProblem = 'not-found' | 'not-pending' | 'expired';

/**
 * The approval request cannot be decided: it does not exist, was already decided (or cancelled,
 * or consumed), or has expired.
 *
 * @example
 * ```ts
 * if (ApprovalStateError.isInstance(error) && error.problem === 'expired') showExpired();
 * ```
 */
export class ApprovalStateError extends PalisadeError {
  static override readonly kind: string = 'ApprovalStateError';
  override readonly code: string = 'ERR_APPROVAL_STATE';
  readonly approvalId: string;
  readonly problem: ApprovalStateProblem;

  constructor(message: string, options: { approvalId: string; problem: ApprovalStateProblem }) {
    super(message);
    this.approvalId = options.approvalId;
    this.problem = options.problem;
  }
}
