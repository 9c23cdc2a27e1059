import type { Effect } from '@palisade/core';

/** The `type` of every interrupt value Palisade raises for a human approval. */
export const APPROVAL_INTERRUPT_TYPE = 'palisade.approval-required';

/**
 * What a LangGraph interrupt raised by Palisade carries: the pending approval request and the exact
 * call it covers. It holds no credential and is safe to show to a reviewer or to store in a
 * checkpoint.
 */
export interface ApprovalInterrupt {
  readonly type: typeof APPROVAL_INTERRUPT_TYPE;
  /** The approval request to decide in the approval service. */
  readonly approvalId: string;
  /** SHA-256 of (tool, canonical input, agent, user, audience); the approval covers this digest only. */
  readonly digest: string;
  /** Epoch milliseconds after which the request can no longer be approved. */
  readonly expiresAt: number;
  readonly tool: string;
  /** The tool call id (`toolCall.id`), which is also the guarded call's id. */
  readonly callId: string;
  readonly effect: Effect;
  readonly target?: string | undefined;
  /** The validated input the digest covers. */
  readonly input: unknown;
  /** Why the policy asked for a human. */
  readonly reason: string;
  readonly ruleIds: readonly string[];
  readonly agent: string;
  readonly user?: string | undefined;
}

/**
 * The value a graph is resumed with once a reviewer decided: a pointer to the decided request.
 * It is never taken as the decision itself: the approval gate looks the decision up, recomputes the
 * digest of the actual call and consumes the approval once.
 *
 * @example
 * ```ts
 * await agent.invoke(new Command({ resume: { approvalId } satisfies ApprovalResume }), { configurable, context });
 * ```
 */
export interface ApprovalResume {
  readonly approvalId: string;
}

/**
 * True when `value` is an interrupt value raised by Palisade for an approval.
 *
 * @example
 * ```ts
 * const approvals = (result.__interrupt__ ?? []).map((i) => i.value).filter(isApprovalInterrupt);
 * ```
 */
export function isApprovalInterrupt(value: unknown): value is ApprovalInterrupt {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.type === APPROVAL_INTERRUPT_TYPE &&
    typeof candidate.approvalId === 'string' &&
    typeof candidate.digest === 'string' &&
    typeof candidate.tool === 'string' &&
    typeof candidate.callId === 'string'
  );
}

/** One pending Palisade approval in a paused graph. */
export interface PendingApproval {
  /** LangGraph's interrupt id; key of the resume map when several interrupts are pending. */
  readonly interruptId: string | undefined;
  readonly approval: ApprovalInterrupt;
}

/**
 * Lists the Palisade approvals a paused graph waits for, from the result of `agent.invoke()` (its
 * `__interrupt__` field) or from a list of LangGraph interrupts (`state.tasks[i].interrupts`).
 * Interrupts raised by anything else are skipped.
 *
 * @example
 * ```ts
 * const result = await agent.invoke(input, { configurable: { thread_id }, context });
 * for (const { approval } of pendingApprovals(result)) {
 *   console.log(approval.tool, approval.input, approval.approvalId);
 * }
 * ```
 */
export function pendingApprovals(source: unknown): PendingApproval[] {
  const interrupts = Array.isArray(source)
    ? source
    : typeof source === 'object' && source !== null
      ? (source as { __interrupt__?: unknown }).__interrupt__
      : undefined;
  if (!Array.isArray(interrupts)) return [];
  const pending: PendingApproval[] = [];
  for (const entry of interrupts) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, value } = entry as { id?: unknown; value?: unknown };
    if (isApprovalInterrupt(value)) {
      pending.push({ interruptId: typeof id === 'string' ? id : undefined, approval: value });
    }
  }
  return pending;
}
