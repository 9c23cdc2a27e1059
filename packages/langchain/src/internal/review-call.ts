import { ApprovalDeniedError, type CallContext, type Enforcement, recordRefusal } from '@palisade/core';
import type { ReviewDecision, ReviewDecisionType, ReviewRequest } from '../approval-interrupt.js';
import type { ReviewService } from '../review-service.js';
import type { CallBody, CallOutcome, CallRunner } from './call-runner.js';

/** How a reviewed call ended: as a guarded call, or answered by the reviewer (`respond`). */
export type ReviewOutcome =
  | CallOutcome
  | { readonly status: 'answered'; readonly content: string; readonly error: ApprovalDeniedError };

/** One call whose step is under review. */
export interface ReviewedCall {
  readonly enforcement: Enforcement;
  readonly runner: CallRunner;
  readonly toolCall: { readonly id: string; readonly name: string; readonly args: unknown };
  /** The review the graph pauses on, and this call's place in it. */
  readonly request: ReviewRequest;
  readonly index: number;
  readonly context: CallContext;
  readonly service: ReviewService | undefined;
  /** The reviewer's credential, read from the run that resumed. */
  readonly reviewer: () => string | undefined;
  readonly allowed: readonly ReviewDecisionType[];
  readonly interrupt: (value: unknown) => unknown;
  /** The body, for the arguments that finally run (edited ones included). */
  readonly execute: (args: unknown) => CallBody;
}

/**
 * Pauses on the step's review and carries out the reviewer's decision for this call:
 *
 * - `approve`: with the reviewer's credential the decision is recorded in the approval service
 *   (signed, self-approval refused there); then the call runs through the loop with the approval id,
 *   so the credential, policy and limits are checked again and the approval is consumed once against
 *   the actual call. Without a decision in the service yet, the graph pauses again.
 * - `edit`: the original request is withdrawn and the edited call goes through the loop afresh; if
 *   the policy wants a human for it, a fresh request is proposed for its own digest and approved with
 *   the reviewer's credential (without one, the edit is refused) before it runs.
 * - `reject` / `respond`: nothing runs; the request is decided against (or withdrawn) and the refusal
 *   recorded. `respond` hands the reviewer's message to the model as the tool's result.
 *
 * Nothing is proposed before the interrupt here, so a re-run of the task after a resume (in this
 * process or another one) leaves no duplicate request behind.
 */
export async function reviewCall(call: ReviewedCall): Promise<ReviewOutcome> {
  const { toolCall, request } = call;
  const approvalId = request.actionRequests[call.index]?.palisade.approvalId;
  if (approvalId === undefined) throw new TypeError('reviewCall(): index is outside the review');
  let resume = call.interrupt(request);
  for (;;) {
    const decision = decisionFor(resume, call.index, request.actionRequests.length);
    if (decision === undefined) {
      return refuse(
        call,
        `the run was resumed without a valid decision for this call (expected { decisions: [...] }, one per action)`,
        approvalId,
      );
    }
    if (!call.allowed.includes(decision.type)) {
      return refuse(call, `the decision "${decision.type}" is not allowed for this call`, approvalId);
    }
    switch (decision.type) {
      case 'approve': {
        const problem = await decideWithReviewer(call, approvalId, true, undefined);
        if (problem) return refuse(call, problem, approvalId);
        const outcome = await call.runner.run({
          args: toolCall.args,
          context: call.context,
          callId: toolCall.id,
          approvalId,
          execute: call.execute(toolCall.args),
        });
        if (outcome.status !== 'approval-required') return outcome;
        // No decision in the approval service yet: wait for one.
        resume = call.interrupt(request);
        continue;
      }
      case 'edit':
        return runEdited(call, decision, approvalId);
      case 'reject':
      case 'respond': {
        const message = decision.message;
        if (decision.type === 'respond' && typeof message !== 'string') {
          return refuse(call, 'a "respond" decision needs a message', approvalId);
        }
        if (message !== undefined && typeof message !== 'string') {
          return refuse(call, 'a decision message must be a string', approvalId);
        }
        const problem = await decideWithReviewer(call, approvalId, false, message);
        if (problem) await call.service?.cancel(approvalId, 'rejected in review').catch(() => undefined);
        const error = new ApprovalDeniedError(
          message === undefined
            ? `Denied "${toolCall.name}": the reviewer rejected this call`
            : `Denied "${toolCall.name}" by the reviewer: ${message}`,
          { tool: toolCall.name, callId: toolCall.id, approvalId },
        );
        await recordRefusal(call.enforcement.recorder, descriptorOf(call), error);
        if (decision.type === 'respond') return { status: 'answered', content: message as string, error };
        return { status: 'denied', error };
      }
    }
  }
}

async function runEdited(
  call: ReviewedCall,
  decision: Extract<ReviewDecision, { type: 'edit' }>,
  approvalId: string,
): Promise<ReviewOutcome> {
  const { toolCall } = call;
  const edited = decision.editedAction;
  if (
    typeof edited !== 'object' ||
    edited === null ||
    edited.name !== toolCall.name ||
    typeof edited.args !== 'object' ||
    edited.args === null ||
    Array.isArray(edited.args)
  ) {
    return refuse(call, 'an edit must keep the tool and give its arguments as an object', approvalId);
  }
  await call.service?.cancel(approvalId, 'replaced by an edit in review').catch(() => undefined);
  const args = edited.args;
  const attempt = (id: string | undefined) =>
    call.runner.run({
      args,
      context: call.context,
      callId: toolCall.id,
      approvalId: id,
      execute: call.execute(args),
    });
  const first = await attempt(undefined);
  if (first.status !== 'approval-required') return first;
  // The policy wants a human for the edited call: bind the reviewer's approval to its own digest.
  const fresh = first.error.approvalId;
  const reviewer = call.reviewer();
  if (reviewer === undefined || call.service === undefined) {
    await call.service?.cancel(fresh, 'an edit needs the reviewer credential').catch(() => undefined);
    return refuse(
      call,
      'the edited call needs approval, and no reviewer credential came with the decision',
      fresh,
    );
  }
  const problem = await decideWithReviewer(call, fresh, true, undefined);
  if (problem) {
    await call.service.cancel(fresh, problem).catch(() => undefined);
    return refuse(call, problem, fresh);
  }
  const second = await attempt(fresh);
  if (second.status !== 'approval-required') return second;
  return refuse(call, 'the approval of the edited call could not be used', fresh);
}

/**
 * Records the reviewer's decision in the approval service when the resume came with a reviewer
 * credential. Returns why the decision cannot stand (the credential was refused), or nothing: a
 * request decided already (in the console, or by an earlier resume) is left as it is, and the gate
 * consumes whatever was decided.
 */
async function decideWithReviewer(
  call: ReviewedCall,
  approvalId: string,
  approve: boolean,
  reason: string | undefined,
): Promise<string | undefined> {
  const reviewer = call.reviewer();
  if (reviewer === undefined || call.service === undefined) return approve ? undefined : 'no reviewer';
  try {
    await call.service.decide({ approvalId, approve, approverCredential: reviewer, reason });
    return undefined;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_APPROVAL_STATE') return undefined;
    return `the reviewer's credential was not accepted for this request`;
  }
}

function decisionFor(resume: unknown, index: number, count: number): ReviewDecision | undefined {
  if (typeof resume !== 'object' || resume === null) return undefined;
  const decisions = (resume as { decisions?: unknown }).decisions;
  if (!Array.isArray(decisions) || decisions.length !== count) return undefined;
  const decision = decisions[index] as { type?: unknown } | undefined;
  if (typeof decision !== 'object' || decision === null) return undefined;
  const type = decision.type;
  return type === 'approve' || type === 'edit' || type === 'reject' || type === 'respond'
    ? (decision as ReviewDecision)
    : undefined;
}

async function refuse(call: ReviewedCall, why: string, approvalId: string): Promise<ReviewOutcome> {
  const error = new ApprovalDeniedError(`Denied "${call.toolCall.name}": ${why}`, {
    tool: call.toolCall.name,
    callId: call.toolCall.id,
    approvalId,
  });
  await recordRefusal(call.enforcement.recorder, descriptorOf(call), error);
  return { status: 'denied', error };
}

function descriptorOf(call: ReviewedCall) {
  const { definition } = call.runner;
  return {
    kind: definition.kind,
    name: definition.name,
    effect: definition.effect,
    callId: call.toolCall.id,
    target: definition.target,
  };
}
