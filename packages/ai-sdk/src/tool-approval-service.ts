import type {
  ActionKind,
  AgentIdentity,
  ApprovalRequest,
  Effect,
  SignedApprovalDecision,
  UserIdentity,
} from '@palisade/core';

/** The action proposed for human review, as `createToolApproval` describes it. */
export interface ToolApprovalProposal {
  readonly kind: ActionKind;
  readonly tool: string;
  readonly effect: Effect;
  readonly target?: string | undefined;
  readonly input: unknown;
  readonly callId: string;
  readonly audience?: string | undefined;
  readonly agent: AgentIdentity;
  readonly user?: UserIdentity | undefined;
  readonly delegation?: readonly string[] | undefined;
  readonly rationale?: string | undefined;
  readonly sideEffects?: readonly string[] | undefined;
  readonly policy: {
    readonly reason: string;
    readonly ruleIds: readonly string[];
    readonly policyVersion: string;
  };
  readonly ttlMs?: number | undefined;
}

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
