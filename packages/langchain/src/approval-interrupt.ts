import type { Effect } from '@palisade/core';

/** The `type` of every interrupt value Palisade raises for a human review, and of its per-action facts. */
export const APPROVAL_INTERRUPT_TYPE = 'palisade.approval-required';

/**
 * Palisade's facts about one action under review: the pending approval request and the exact call
 * it covers. It holds no credential and is safe to show to a reviewer or to store in a checkpoint.
 */
export interface ApprovalInterrupt {
  readonly type: typeof APPROVAL_INTERRUPT_TYPE;
  /** The approval request in the approval service (the console can decide it too). */
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
 * What a reviewer may answer for one action. `approve`, `edit` and `reject` are LangChain's
 * `humanInTheLoopMiddleware` decisions; `respond` (the reviewer's answer goes back to the model as
 * the tool's result, and nothing runs) is the one LangChain's Python middleware adds.
 */
export type ReviewDecisionType = 'approve' | 'edit' | 'reject' | 'respond';

/** One action to review, as LangChain's `ActionRequest`, with Palisade's facts beside it. */
export interface ReviewActionRequest {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly description: string;
  readonly palisade: ApprovalInterrupt;
}

/** What a reviewer may do with one action, as LangChain's `ReviewConfig`. */
export interface ReviewConfig {
  readonly actionName: string;
  readonly allowedDecisions: readonly ReviewDecisionType[];
  readonly argsSchema?: Record<string, unknown> | undefined;
}

/**
 * The value of the interrupt a paused agent waits on: LangChain's `HITLRequest` (action requests and
 * review configs, in the same order), so a review UI built for `humanInTheLoopMiddleware` works
 * unchanged. Each action also carries Palisade's facts under `palisade`.
 */
export interface ReviewRequest {
  readonly type: typeof APPROVAL_INTERRUPT_TYPE;
  readonly actionRequests: readonly ReviewActionRequest[];
  readonly reviewConfigs: readonly ReviewConfig[];
}

/** A reviewer's answer for one action, as LangChain's `Decision`, plus `respond`. */
export type ReviewDecision =
  | { readonly type: 'approve' }
  | {
      readonly type: 'edit';
      readonly editedAction: { readonly name: string; readonly args: Record<string, unknown> };
    }
  | { readonly type: 'reject'; readonly message?: string | undefined }
  | { readonly type: 'respond'; readonly message: string };

/**
 * The resume value, as LangChain's `HITLResponse`: one decision per action request, in order.
 *
 * @example
 * ```ts
 * const resume: ReviewResponse = { decisions: [{ type: 'approve' }, { type: 'reject', message: 'Not this one' }] };
 * await agent.invoke(new Command({ resume }), { configurable: { thread_id } });
 * ```
 */
export interface ReviewResponse {
  readonly decisions: readonly ReviewDecision[];
}

/**
 * True when `value` is Palisade's facts about one action under review.
 *
 * @example
 * ```ts
 * const facts = review.actionRequests.map((action) => action.palisade).filter(isApprovalInterrupt);
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

/**
 * True when `value` is an interrupt value Palisade raised for a human review.
 *
 * @example
 * ```ts
 * const review = result.__interrupt__?.map((entry) => entry.value).find(isReviewRequest);
 * ```
 */
export function isReviewRequest(value: unknown): value is ReviewRequest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.type === APPROVAL_INTERRUPT_TYPE &&
    Array.isArray(candidate.actionRequests) &&
    Array.isArray(candidate.reviewConfigs) &&
    candidate.actionRequests.length === candidate.reviewConfigs.length &&
    candidate.actionRequests.every((action) =>
      isApprovalInterrupt((action as { palisade?: unknown })?.palisade),
    )
  );
}

/** One pending Palisade approval in a paused graph. */
export interface PendingApproval {
  /** LangGraph's id of an interrupt that waits on this approval. */
  readonly interruptId: string | undefined;
  readonly approval: ApprovalInterrupt;
}

/**
 * The review a paused graph waits on, from the result of `agent.invoke()` (its `__interrupt__`
 * field) or from a list of LangGraph interrupts; `undefined` when it waits on none. When one step
 * asks for several reviewed calls, every call's interrupt carries the same request, so one resume
 * value answers them all.
 *
 * @example
 * ```ts
 * const review = pendingReview(await agent.invoke(input, config));
 * if (review) {
 *   const decisions = review.actionRequests.map(() => ({ type: 'approve' as const }));
 *   await agent.invoke(new Command({ resume: { decisions } }), { configurable: { thread_id } });
 * }
 * ```
 */
export function pendingReview(source: unknown): ReviewRequest | undefined {
  for (const { value } of interruptsOf(source)) {
    if (isReviewRequest(value)) return value;
  }
  return undefined;
}

/**
 * Lists the Palisade approvals a paused graph waits for, each once, in the order of the review.
 * Interrupts raised by anything else are skipped.
 *
 * @example
 * ```ts
 * for (const { approval } of pendingApprovals(result)) console.log(approval.tool, approval.input);
 * ```
 */
export function pendingApprovals(source: unknown): PendingApproval[] {
  const pending: PendingApproval[] = [];
  const seen = new Set<string>();
  for (const { id, value } of interruptsOf(source)) {
    if (!isReviewRequest(value)) continue;
    for (const action of value.actionRequests) {
      if (seen.has(action.palisade.approvalId)) continue;
      seen.add(action.palisade.approvalId);
      pending.push({ interruptId: id, approval: action.palisade });
    }
  }
  return pending;
}

function interruptsOf(source: unknown): { id: string | undefined; value: unknown }[] {
  const interrupts = Array.isArray(source)
    ? source
    : typeof source === 'object' && source !== null
      ? (source as { __interrupt__?: unknown }).__interrupt__
      : undefined;
  if (!Array.isArray(interrupts)) return [];
  const entries: { id: string | undefined; value: unknown }[] = [];
  for (const entry of interrupts) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, value } = entry as { id?: unknown; value?: unknown };
    entries.push({ id: typeof id === 'string' ? id : undefined, value });
  }
  return entries;
}
