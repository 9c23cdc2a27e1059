import {
  AccessDeniedError,
  type ApprovalRequiredError,
  type CallContext,
  CredentialError,
  type Enforcement,
  GuardFaultError,
  mergeCallContext,
  type Principal,
  recordRefusal,
} from '@palisade/core';
import {
  APPROVAL_INTERRUPT_TYPE,
  type ApprovalInterrupt,
  type ReviewDecisionType,
  type ReviewRequest,
} from '../approval-interrupt.js';
import type { ReviewService } from '../review-service.js';
import {
  type CallJournal,
  type JournalOwner,
  journalKey,
  type SettledCall,
  sameOwner,
} from './call-journal.js';
import type { CallBody, CallRunner } from './call-runner.js';
import { type ReviewOutcome, reviewCall } from './review-call.js';

export type { CallDefinition } from './call-runner.js';

/** How a call the adapter ran ended. */
export type GuardedCallOutcome = ReviewOutcome;

/** The journal every guarded tool and middleware keeps: reviews waiting, outcomes reached. */
export type OutcomeJournal = CallJournal<ReviewRequest, GuardedCallOutcome>;

/** How reviews are carried out for the calls of a tool or a middleware. */
export interface ReviewSettings {
  readonly service: ReviewService | undefined;
  readonly reviewer: () => string | undefined;
  readonly allowed: readonly ReviewDecisionType[];
}

/** One call to run through the enforcement loop. */
export interface GuardedCall {
  readonly enforcement: Enforcement;
  readonly runner: CallRunner;
  /** The arguments as the model (or caller) sent them. */
  readonly args: unknown;
  readonly toolCallId: string | undefined;
  /** The graph task the call runs in (`graphTaskOf`), for the journal. */
  readonly graphTask: string | undefined;
  /** Resolves the call context; throwing refuses the call (recorded). */
  readonly context: () => CallContext;
  /** The body, for the arguments that finally run. */
  readonly execute: (args: unknown) => CallBody;
  /** LangGraph's `interrupt`; without it an approval ends the call with `approval-required`. */
  readonly interrupt: ((value: unknown) => unknown) | undefined;
  readonly journal: OutcomeJournal | undefined;
  readonly review: ReviewSettings;
  /** A review of this call's step, proposed before the graph paused (the middleware's). */
  readonly reviewed?: { readonly request: ReviewRequest; readonly index: number } | undefined;
}

/**
 * Translates one LangChain call into a guarded call and back. The guard of the tool was built once
 * (`createCallRunner`); this only resolves the context, hands the body in, and turns a wanted
 * approval into LangChain's review interrupt.
 *
 * When LangGraph re-runs a node after an interrupt, the journal answers for calls that already ran
 * in this process (so a sibling call of `createAgent({ version: 'v1' })` is not run twice), but only
 * to a caller whose credential verifies now and names the same agent and user; anyone else is
 * refused and the refusal recorded.
 */
export async function runGuardedCall(call: GuardedCall): Promise<GuardedCallOutcome> {
  const name = call.runner.definition.name;
  const key = call.journal ? journalKey(call.graphTask, call.toolCallId, name, call.args) : undefined;
  const remembered = key ? call.journal?.settled(key) : undefined;
  const callId = call.toolCallId ?? call.enforcement.newCallId?.() ?? crypto.randomUUID();

  let context: CallContext;
  try {
    context = call.context();
  } catch (error) {
    // Refused before any principal was verified: not journalled, a re-run decides afresh.
    return refuse(
      call,
      callId,
      new GuardFaultError(`Denied "${name}": the call context could not be read`, {
        stage: 'context',
        tool: name,
        callId,
        cause: error,
      }),
    );
  }
  if (remembered) return replay(call, callId, context, remembered);

  const review = (request: ReviewRequest, index: number) =>
    reviewCall({
      enforcement: call.enforcement,
      runner: call.runner,
      toolCall: { id: callId, name, args: call.args },
      request,
      index,
      context,
      service: call.review.service,
      reviewer: call.review.reviewer,
      allowed: call.review.allowed,
      interrupt: call.interrupt as (value: unknown) => unknown,
      execute: call.execute,
    });

  let outcome: GuardedCallOutcome;
  const pending = key ? call.journal?.pending(key) : undefined;
  if (call.reviewed && call.interrupt) {
    outcome = await review(call.reviewed.request, call.reviewed.index);
  } else if (pending && call.interrupt) {
    outcome = await review(pending, 0);
  } else {
    outcome = await call.runner.run({
      args: call.args,
      context,
      callId,
      approvalId: undefined,
      execute: call.execute(call.args),
    });
    if (outcome.status === 'approval-required' && call.interrupt) {
      // The gate proposed the call just now: remember the request, so that a re-run of this task
      // in this process pauses on it instead of proposing again.
      const request = await singleReview(call, outcome.error, callId);
      if (key) call.journal?.hold(key, request);
      outcome = await review(request, 0);
    }
  }
  if (key && outcome.status === 'done') {
    // An outcome whose principal cannot be named is not remembered: a re-run decides afresh.
    const owner = ownerOrNothing(outcome.principal);
    if (owner) call.journal?.settle(key, outcome, owner);
  }
  return outcome;
}

/** The review of one call whose approval the gate proposed while the call ran. */
async function singleReview(
  call: GuardedCall,
  required: ApprovalRequiredError,
  callId: string,
): Promise<ReviewRequest> {
  const { definition } = call.runner;
  // The approval service knows what the policy said; without one, the error's facts are all there is.
  const stored = await call.review.service?.get(required.approvalId).catch(() => undefined);
  const args = isRecord(call.args) ? call.args : { input: call.args };
  const approval: ApprovalInterrupt = {
    type: APPROVAL_INTERRUPT_TYPE,
    approvalId: required.approvalId,
    digest: required.digest,
    expiresAt: required.expiresAt,
    tool: definition.name,
    callId,
    effect: definition.effect,
    target: definition.target,
    input: stored?.input ?? call.args,
    reason: stored?.policy?.reason ?? 'the policy asks for a human',
    ruleIds: [...(stored?.policy?.ruleIds ?? [])],
    agent: stored?.agent.id ?? '',
    user: stored?.user?.id,
  };
  return {
    type: APPROVAL_INTERRUPT_TYPE,
    actionRequests: [
      { name: definition.name, args, description: describeAction(approval), palisade: approval },
    ],
    reviewConfigs: [{ actionName: definition.name, allowedDecisions: [...call.review.allowed] }],
  };
}

/** What a reviewer reads about one action: why the policy asks, and the exact call. */
export function describeAction(approval: ApprovalInterrupt): string {
  return `Palisade: ${approval.reason}\n\nTool: ${approval.tool}\nArgs: ${JSON.stringify(approval.input, null, 2)}`;
}

/**
 * Answers a re-run from the journal, but only for a caller whose credential verifies now and who
 * is the principal the outcome was reached for; anyone else is refused and the refusal recorded.
 * The refusal is not journalled: the remembered outcome still belongs to its principal.
 */
async function replay(
  call: GuardedCall,
  callId: string,
  context: CallContext,
  remembered: SettledCall<GuardedCallOutcome>,
): Promise<GuardedCallOutcome> {
  const name = call.runner.definition.name;
  // The same context `guard()` would see: the implicit scope under the explicit one.
  const presented = mergeCallContext(call.enforcement.scope?.current(), context);
  let caller: JournalOwner;
  try {
    if (typeof presented.credential !== 'string' || presented.credential === '') {
      throw new CredentialError(`No credential was presented for "${name}"`, { tool: name, callId });
    }
    const principal = await call.enforcement.verifier.verify(presented.credential, {
      audience: presented.audience,
      now: (call.enforcement.now ?? Date.now)(),
    });
    caller = ownerOf(principal);
  } catch (error) {
    return refuse(call, callId, verifyRefusal(error, name, callId));
  }
  if (!sameOwner(caller, remembered.owner)) {
    return refuse(
      call,
      callId,
      new CredentialError(
        `Denied "${name}": this call was already made for another principal, whose outcome is not shared`,
        { tool: name, callId },
      ),
    );
  }
  return remembered.value;
}

/** The verifier's own refusal passes through; anything else it throws is a fault of the verify stage. */
function verifyRefusal(error: unknown, tool: string, callId: string): AccessDeniedError {
  if (AccessDeniedError.isInstance(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new GuardFaultError(`Denied "${tool}": the verify stage failed (${detail})`, {
    stage: 'verify',
    tool,
    callId,
    cause: error,
  });
}

function ownerOrNothing(principal: Principal): JournalOwner | undefined {
  try {
    return ownerOf(principal);
  } catch {
    return undefined;
  }
}

function ownerOf(principal: Principal): JournalOwner {
  const agent = principal.agent.id;
  const user = principal.user?.id;
  if (typeof agent !== 'string' || agent === '' || (user !== undefined && typeof user !== 'string')) {
    throw new TypeError('The verifier returned a principal without a usable agent id or user id');
  }
  return { agent, user };
}

async function refuse(
  call: GuardedCall,
  callId: string,
  error: AccessDeniedError,
): Promise<GuardedCallOutcome> {
  const { definition } = call.runner;
  await recordRefusal(
    call.enforcement.recorder,
    {
      kind: definition.kind,
      name: definition.name,
      effect: definition.effect,
      callId,
      target: definition.target,
    },
    error,
  );
  return { status: 'denied', error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
