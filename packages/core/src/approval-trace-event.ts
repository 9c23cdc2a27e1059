/**
 * One step in an approval's life, shaped for audit spans: `observeApprovals` of `@palisade/approval`
 * emits them and `recordApprovalSpan` of `@palisade/audit` turns them into spans. The payload is
 * never included: the digest names it.
 */
export interface ApprovalTraceEvent {
  /** `request` (proposed), `decision` (decided, expired or cancelled), `consume` (used or refused). */
  readonly phase: 'request' | 'decision' | 'consume';
  readonly approvalId: string;
  readonly digest: string;
  readonly tool: string;
  /** `pending`, `approved`, `denied`, `expired`, `cancelled`, `consumed`, or `rejected`. */
  readonly status: string;
  /** The tool call the approval belongs to (`gen_ai.tool.call.id` of its span). */
  readonly callId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly userId?: string | undefined;
  readonly reviewer?: string | undefined;
  readonly ruleIds?: readonly string[] | undefined;
  readonly policyVersion?: string | undefined;
  /** Why a use was refused (`rejected` only). */
  readonly error?: string | undefined;
}
