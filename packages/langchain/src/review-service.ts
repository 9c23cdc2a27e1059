import type { ApprovalProposal, ApprovalRequest, SignedApprovalDecision } from '@palisade/core';

/**
 * The part of an approval service (`createApprovalService()` of `@palisade/approval`, or
 * `palisade.approvalService`) the LangChain adapter uses for LangChain's review flow: propose the
 * exact calls of a step before the graph pauses, record the decision a reviewer gave in your review
 * UI (signed with the reviewer's own credential), and withdraw requests a review replaced. Declared
 * here so the adapter depends on core alone.
 *
 * `decide` must authenticate the approver credential and refuse self-approval, as
 * `createApprovalService()` does; the approval is then consumed once, against the actual call, by
 * the enforcement's approval gate.
 *
 * @example
 * ```ts
 * palisadeMiddleware(palisade, { review: { service: palisade.approvalService! } });
 * ```
 */
export interface ReviewService {
  propose(proposal: ApprovalProposal): Promise<ApprovalRequest>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  decide(input: {
    readonly approvalId: string;
    readonly approve: boolean;
    readonly approverCredential: string;
    readonly reason?: string | undefined;
  }): Promise<SignedApprovalDecision>;
  cancel(approvalId: string, reason: string): Promise<ApprovalRequest | undefined>;
}
