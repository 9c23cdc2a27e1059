import type { ApprovalProposal, ApprovalRequest, SignedApprovalDecision } from '@palisade/core';

/** The action proposed for human review: core's `ApprovalProposal`, as `approvalProposal()` builds it. */
export type ToolApprovalProposal = ApprovalProposal;

/** What `consume` reports: whether the approval was used now, and why not when it was not. */
export interface ToolApprovalUse {
  /** True only when this call consumed the approval. */
  readonly ok: boolean;
  /** Why the approval could not be used (`already-consumed`, `expired`, `digest-mismatch`...). */
  readonly reason?: string | undefined;
  /** A sentence saying why, shown in the denial. */
  readonly message?: string | undefined;
}

/**
 * The part of an approval service (`createApprovalService()` of `@palisade/approval`) the AI SDK
 * adapter uses: propose the exact call, read it back, record a reviewer's decision, and consume the
 * approval of a tool Palisade cannot wrap when `toolApproval` checks the answered call. Declared
 * here so the adapter depends on core alone.
 *
 * `consume` must succeed at most once per approval, atomically, and only for an approved request
 * whose digest matches, that has not expired, and whose decision's signature verifies, as
 * `createApprovalService()` does.
 *
 * @example
 * ```ts
 * const approvals: ToolApprovalService = createApprovalService({ store, approvers });
 * const toolApproval = createToolApproval(palisade, { effects, approvals });
 * ```
 */
export interface ToolApprovalService {
  propose(proposal: ToolApprovalProposal): Promise<ApprovalRequest>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  decide(input: {
    readonly approvalId: string;
    readonly approve: boolean;
    readonly approverCredential: string;
    readonly reason?: string | undefined;
  }): Promise<SignedApprovalDecision>;
  consume(approvalId: string, digest: string): Promise<ToolApprovalUse>;
}
