import {
  type ActionRequest,
  type ApprovalDescription,
  type ApprovalGate,
  type ApprovalOutcome,
  type ApprovalRequest,
  ApprovalRequiredError,
  type AuthorizeOptions,
  actionRequestDigest,
  approvalProposal,
  type Decision,
} from '@palisade/core';
import type { ApprovalService, ApprovalUseResult } from './approval-service.js';

export type { ApprovalDescription } from '@palisade/core';

/** Options of `createApprovalGate`. */
export interface ApprovalGateOptions {
  readonly service: ApprovalService;
  /**
   * `wait`: the call waits for a decision (or `timeoutMs`, then it is denied).
   * `interrupt`: the call ends with `ApprovalRequiredError`; repeat it with `approvalId` to resume.
   */
  readonly mode: 'wait' | 'interrupt';
  /** Wait mode: how long a call waits for a decision. Default: until the request expires. */
  readonly timeoutMs?: number | undefined;
  /** Wait mode: how often the store is polled for decisions made by other processes. Default 500. */
  readonly pollIntervalMs?: number | undefined;
  /** Lifetime of the requests this gate proposes; default the service's `defaultTtlMs`. */
  readonly ttlMs?: number | undefined;
  /**
   * What the reviewer reads. Default: `context.attributes.rationale` (a string) and
   * `context.attributes.sideEffects` (strings) of the call, when the caller supplied them.
   */
  readonly describe?: ((request: ActionRequest, decision: Decision) => ApprovalDescription) | undefined;
}

/**
 * The `actionDigest()` an approval for `request` is bound to (tool, input, agent, user, audience,
 * session, task); the service stores and shows a keyed digest of it (`service.digestOf()`).
 */
export function digestOfActionRequest(request: ActionRequest): string {
  return actionRequestDigest(request);
}

/**
 * Creates the `ApprovalGate` that `guard()` consults when the policy says `approve`.
 *
 * In `wait` mode it proposes the action, waits for a decision, then consumes the approval. In
 * `interrupt` mode it proposes and throws `ApprovalRequiredError`; when the call is repeated with
 * `approvalId`, the digest of the actual call is recomputed, must equal the approved one, and the
 * approval is consumed once. Anything else (a changed input, an expired, used or denied approval)
 * is a denial with a reason; never an approval.
 *
 * @example
 * ```ts
 * const approvals = createApprovalGate({ service, mode: 'wait', timeoutMs: 60_000 });
 * const sendMail = guard(mailTool, { verifier, decider, recorder, approvals });
 * ```
 */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createApprovalGate(): options must be an object');
  }
  const { service, mode } = options;
  if (typeof service?.propose !== 'function' || typeof service.consume !== 'function') {
    throw new TypeError('createApprovalGate(): service must be an ApprovalService');
  }
  if (mode !== 'wait' && mode !== 'interrupt') {
    throw new TypeError(`createApprovalGate(): mode must be 'wait' or 'interrupt', got ${String(mode)}`);
  }
  const timeoutMs = options.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647)
  ) {
    throw new TypeError('createApprovalGate(): timeoutMs must be a positive integer number of ms');
  }
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10) {
    throw new TypeError('createApprovalGate(): pollIntervalMs must be an integer >= 10');
  }
  if (options.describe !== undefined && typeof options.describe !== 'function') {
    throw new TypeError('createApprovalGate(): describe must be a function');
  }
  const describe = options.describe;

  async function propose(request: ActionRequest, decision: Decision): Promise<ApprovalRequest> {
    const proposal = approvalProposal(request, decision, {
      description: describe?.(request, decision),
      ttlMs: options.ttlMs,
    });
    return service.propose(proposal);
  }

  async function use(approvalId: string, digest: string): Promise<PendingMarked> {
    const result = await service.consume(approvalId, digest);
    return outcomeOf(approvalId, result);
  }

  async function waitAndUse(
    pending: ApprovalRequest,
    digest: string,
    signal?: AbortSignal,
  ): Promise<ApprovalOutcome> {
    const limit = timeoutMs ?? Math.min(2_147_483_647, Math.max(1, pending.expiresAt - service.now()));
    const ending = await waitForDecision(service, pending.id, { timeoutMs: limit, pollIntervalMs, signal });
    if (ending !== 'decided') {
      const why =
        ending === 'timeout'
          ? `no decision within ${Math.round(limit / 1000)}s`
          : 'the call was aborted while waiting';
      const cancelled = await service.cancel(pending.id, why);
      // A decision that landed at the very last moment is still honoured; otherwise deny.
      if (cancelled)
        return { status: 'denied', approvalId: pending.id, reason: `Approval ${pending.id}: ${why}` };
    }
    return stripPending(await use(pending.id, digest));
  }

  return {
    async authorize(request, decision, authorizeOptions: AuthorizeOptions = {}) {
      const digest = digestOfActionRequest(request);
      const { approvalId, signal } = authorizeOptions;
      if (approvalId !== undefined) {
        const outcome = await use(approvalId, digest);
        if (outcome.pending !== true) return stripPending(outcome);
        const pending = await service.get(approvalId);
        if (!pending)
          return { status: 'denied', approvalId, reason: `Approval ${approvalId} does not exist` };
        if (mode === 'interrupt') throw requiredError(pending, request.callId);
        return waitAndUse(pending, digest, signal);
      }
      if (signal?.aborted)
        return { status: 'denied', reason: 'The call was aborted before approval was requested' };
      const pending = await propose(request, decision);
      if (pending.digest !== service.digestOf(digest)) {
        await service.cancel(pending.id, 'the stored request does not match the call');
        return {
          status: 'denied',
          approvalId: pending.id,
          reason: 'The proposed request does not match the call',
        };
      }
      if (mode === 'interrupt') throw requiredError(pending, request.callId);
      return waitAndUse(pending, digest, signal);
    },
  };
}

type PendingMarked = ApprovalOutcome & { pending?: true };

function outcomeOf(approvalId: string, result: ApprovalUseResult): PendingMarked {
  if (result.ok) return { status: 'approved', approvalId, approver: result.decision.approver };
  if (result.reason === 'pending') {
    return { status: 'denied', approvalId, reason: result.message, pending: true };
  }
  const decision = result.request?.decision;
  if (result.reason === 'denied' && decision) {
    const because = decision.reason ? `: ${decision.reason}` : '';
    return {
      status: 'denied',
      approvalId,
      reason: `Approval ${approvalId} was denied by ${decision.approver}${because}`,
    };
  }
  return { status: 'denied', approvalId, reason: result.message };
}

function stripPending(outcome: PendingMarked): ApprovalOutcome {
  if (outcome.status === 'approved') return outcome;
  return { status: 'denied', approvalId: outcome.approvalId, reason: outcome.reason };
}

function requiredError(pending: ApprovalRequest, callId: string): ApprovalRequiredError {
  return new ApprovalRequiredError({
    approvalId: pending.id,
    digest: pending.digest,
    tool: pending.tool,
    callId,
    expiresAt: pending.expiresAt,
  });
}

type WaitEnding = 'decided' | 'timeout' | 'aborted';

/** Resolves once the request leaves `pending` (seen through events or polling), times out, or aborts. */
function waitForDecision(
  service: ApprovalService,
  approvalId: string,
  options: { timeoutMs: number; pollIntervalMs: number; signal?: AbortSignal | undefined },
): Promise<WaitEnding> {
  return new Promise((resolve) => {
    let settled = false;
    let polling = false;
    const finish = (ending: WaitEnding) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearInterval(poll);
      service.events.off('approval-response', onChange);
      service.events.off('approval-expire', onChange);
      service.events.off('approval-cancel', onChange);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(ending);
    };
    const onChange = (request: ApprovalRequest) => {
      if (request.id === approvalId) finish('decided');
    };
    const onAbort = () => finish('aborted');
    const check = async () => {
      if (polling || settled) return;
      polling = true;
      try {
        const current = await service.get(approvalId);
        if (current?.status !== 'pending') finish('decided');
      } catch (error) {
        // A store that cannot be read cannot grant anything: keep waiting until the timeout denies.
        service.events.emit('approval-error', error, `polling approval ${approvalId}`);
      } finally {
        polling = false;
      }
    };
    service.events.on('approval-response', onChange);
    service.events.on('approval-expire', onChange);
    service.events.on('approval-cancel', onChange);
    const timeout = setTimeout(() => finish('timeout'), options.timeoutMs);
    const poll = setInterval(() => void check(), options.pollIntervalMs);
    if (options.signal?.aborted) {
      finish('aborted');
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void check();
  });
}
