import type { ApprovalRequest, CredentialVerifier } from '@palisade/core';

/** An authenticated approver. */
export interface Approver {
  /** Stable identifier recorded in the signed decision (a user id, an email). */
  readonly id: string;
  readonly roles: readonly string[];
  /**
   * Every identity the approver's credential speaks for (the user, the agent, the delegation chain).
   * If any of them is part of the request's own chain, approving is self-approval.
   */
  readonly chain?: readonly string[] | undefined;
}

/** What an approver check knows when it runs. */
export interface ApproverCheckContext {
  /** The request to be decided; absent when the approver only signs in (to the console). */
  readonly request?: ApprovalRequest | undefined;
  /** Epoch milliseconds. */
  readonly now: number;
}

/** Authenticates an approver's credential with a core `CredentialVerifier` and authorises by role. */
export interface VerifierApproverCheck {
  readonly verifier: CredentialVerifier;
  /** Roles allowed to decide; fixed, or chosen per request (by tool, target, effect). */
  readonly roles: readonly string[] | ((request: ApprovalRequest) => readonly string[]);
  /** The audience approver credentials must be issued for (the console). */
  readonly audience?: string | undefined;
}

/**
 * How approvers are authenticated and authorised: a verifier plus the roles allowed to decide, or
 * a function that verifies the credential and returns the approver (throwing to refuse).
 *
 * Either way, the service then refuses an approval by anyone whose chain overlaps the requester's,
 * unless self-approval is allowed.
 *
 * @example
 * ```ts
 * const approvers: ApproverCheck = { verifier: userTokenVerifier, roles: ['payments-approver'] };
 * const byTable: ApproverCheck = (token) => {
 *   const approver = approverTokens.get(token);
 *   if (!approver) throw new Error('unknown approver token');
 *   return approver;
 * };
 * ```
 */
export type ApproverCheck =
  | VerifierApproverCheck
  | ((credential: string, context: ApproverCheckContext) => Approver | Promise<Approver>);
