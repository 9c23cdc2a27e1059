import type { ApprovalProposal, ApprovalRequest, SignedApprovalDecision } from '@palisade/core';

/** The action proposed for human review: core's `ApprovalProposal`, as `approvalProposal()` builds it. */
export type ToolApprovalProposal = ApprovalProposal;

/**
 * The part of an approval service (`createApprovalService()` of `@palisade/approval`) the AI SDK
 * adapter uses: propose the exact call, read it back, record a reviewer's decision, and consume an
 * approval of a provider-executed tool. Declared here so the adapter depends on core alone.
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
  consume(approvalId: string, digest: string): Promise<{ readonly ok: boolean }>;
}
