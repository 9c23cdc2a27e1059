import { randomUUID } from 'node:crypto';
import {
  AccessDeniedError,
  type ActionKind,
  type ActionRequest,
  ApprovalDeniedError,
  type ApprovalGate,
  ApprovalRequiredError,
  type CallContext,
  CallFailedError,
  CredentialError,
  type CredentialVerifier,
  type Decision,
  type Effect,
  type Enforcement,
  GuardFaultError,
  guard,
  mergeCallContext,
  type Principal,
  type StandardSchemaV1,
  type ToolExecutionContext,
} from '@palisade/core';
import { APPROVAL_INTERRUPT_TYPE, type ApprovalInterrupt } from '../approval-interrupt.js';
import {
  type CallJournal,
  type JournalKey,
  type JournalOwner,
  journalKey,
  type SettledCall,
  sameOwner,
} from './call-journal.js';
import { isRefusal, recordRefusal } from './denial.js';

/** A call's static description: what `guard()` needs besides `execute`. */
export interface CallDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: StandardSchemaV1;
  readonly effect: Effect;
  readonly kind: ActionKind;
  readonly target: string | undefined;
}

/** How a guarded call ended, for the adapter to express in LangChain's terms. */
export type CallOutcome =
  | { readonly status: 'done'; readonly value: unknown }
  | { readonly status: 'denied'; readonly error: AccessDeniedError }
  /** The body ran and a stage after it failed: the action happened, so this is never a refusal. */
  | { readonly status: 'failed'; readonly error: CallFailedError }
  /** Only when the call cannot pause (no `interrupt`): the caller re-runs it with `approvalId`. */
  | { readonly status: 'approval-required'; readonly error: ApprovalRequiredError };

/** The journal every guarded tool and middleware keeps. */
export type OutcomeJournal = CallJournal<ApprovalInterrupt, CallOutcome>;

/** One call to run through the enforcement loop. */
export interface GuardedCall {
  readonly enforcement: Enforcement;
  readonly definition: CallDefinition;
  /** The arguments as the model (or caller) sent them. */
  readonly args: unknown;
  readonly toolCallId: string | undefined;
  /** The graph task the call runs in (`graphTaskOf`), for the journal. */
  readonly graphTask: string | undefined;
  /** Resolves the call context; throwing refuses the call (recorded). */
  readonly context: () => CallContext;
  readonly execute: (input: unknown, context: ToolExecutionContext) => Promise<unknown>;
  /** LangGraph's `interrupt`; without it an approval ends the call with `approval-required`. */
  readonly interrupt: ((value: unknown) => unknown) | undefined;
  readonly journal: OutcomeJournal | undefined;
}

/**
 * Runs one call through `guard()`. An `approve` decision pauses the graph with an
 * `ApprovalInterrupt`; the resumed run repeats the call with the approval id from the resume value,
 * so the gate recomputes the digest and consumes the approval once. When LangGraph re-runs the node
 * after an interrupt, the journal answers for calls that already ran or are already waiting, so
 * nothing is proposed or executed twice. A journalled outcome is only handed to a caller whose
 * credential verifies now and names the same agent and user the outcome was reached for; anyone
 * else is refused (and the refusal recorded), so a revoked or foreign credential never receives
 * an earlier call's output.
 *
 * Refusals are returned as values; errors of the tool body (and LangGraph's interrupt) propagate.
 */
export async function runGuardedCall(call: GuardedCall): Promise<CallOutcome> {
  const key = call.journal
    ? journalKey(call.graphTask, call.toolCallId, call.definition.name, call.args)
    : undefined;
  const remembered = key ? call.journal?.settled(key) : undefined;

  let context: CallContext;
  try {
    context = call.context();
  } catch (error) {
    const refusal = new GuardFaultError(
      `Denied "${call.definition.name}": the call context could not be read`,
      {
        stage: 'context',
        tool: call.definition.name,
        callId: call.toolCallId,
        cause: error,
      },
    );
    // Refused before any principal was verified: not journalled, a re-run decides afresh.
    return refuse(call, refusal);
  }

  if (remembered) return replay(call, context, remembered);

  let pending = key ? call.journal?.pending(key) : undefined;
  let approvalId: string | undefined;
  for (;;) {
    if (pending === undefined) {
      const outcome = await attempt(call, context, approvalId);
      if (outcome.status !== 'paused') return settle(call, key, outcome.outcome, outcome.owner);
      pending = outcome.approval;
      if (key) call.journal?.hold(key, pending);
    }
    if (!call.interrupt) {
      return { status: 'approval-required', error: toRequiredError(pending) };
    }
    // Throws LangGraph's GraphInterrupt on the first pass; returns the resume value once resumed.
    const resume = call.interrupt(pending);
    approvalId = readApprovalId(resume);
    if (approvalId === undefined) {
      const refusal = new ApprovalDeniedError(
        `Denied "${call.definition.name}": the run was resumed without an approval id (expected { approvalId })`,
        { tool: call.definition.name, callId: pending.callId, approvalId: pending.approvalId },
      );
      const owner = { agent: pending.agent, user: pending.user };
      return settle(call, key, await refuse(call, refusal), owner);
    }
    pending = undefined;
  }
}

type AttemptOutcome =
  | {
      readonly status: 'settled';
      readonly outcome: CallOutcome;
      /** The principal the loop verified, when it got that far. */
      readonly owner: JournalOwner | undefined;
    }
  | { readonly status: 'paused'; readonly approval: ApprovalInterrupt };

async function attempt(
  call: GuardedCall,
  context: CallContext,
  approvalId: string | undefined,
): Promise<AttemptOutcome> {
  // Observe the gate of this call only: its ApprovalRequiredError (and the request it was raised
  // for) becomes the interrupt; one raised by a guard nested in the tool body is a refusal.
  let observed: { request: ActionRequest; decision: Decision; error: unknown } | undefined;
  const gate = call.enforcement.approvals;
  const approvals: ApprovalGate | undefined = gate && {
    async authorize(request, decision, options) {
      try {
        return await gate.authorize(request, decision, options);
      } catch (error) {
        observed = { request, decision, error };
        throw error;
      }
    },
  };
  // Learn whom the loop verified for this call (and only this call: guards nested in the tool body
  // hold their own enforcement), so a journalled outcome is bound to that principal.
  let owner: JournalOwner | undefined;
  const verifier = call.enforcement.verifier;
  const observingVerifier: CredentialVerifier = {
    async verify(credential, options) {
      const principal = await verifier.verify(credential, options);
      owner = ownerOf(principal);
      return principal;
    },
  };
  const guarded = guard(
    { ...call.definition, execute: call.execute },
    { ...call.enforcement, verifier: observingVerifier, approvals },
  );
  const settled = (outcome: CallOutcome): AttemptOutcome => ({ status: 'settled', outcome, owner });
  try {
    const value = await guarded.call(call.args, {
      ...context,
      callId: call.toolCallId,
      approvalId,
    });
    return settled({ status: 'done', value });
  } catch (error) {
    if (ApprovalRequiredError.isInstance(error) && observed && observed.error === error) {
      return { status: 'paused', approval: toInterrupt(error as ApprovalRequiredError, observed) };
    }
    if (isRefusal(error)) return settled({ status: 'denied', error });
    // Journalled like any outcome, so a re-run of the node does not run the action again.
    if (CallFailedError.isInstance(error)) return settled({ status: 'failed', error });
    if (ApprovalRequiredError.isInstance(error)) {
      const required = error as ApprovalRequiredError;
      return settled({
        status: 'denied',
        error: new ApprovalDeniedError(
          `Denied "${call.definition.name}": a call it made ("${required.tool}") needs an approval that cannot be given from inside another tool`,
          {
            tool: call.definition.name,
            callId: call.toolCallId,
            approvalId: required.approvalId,
            cause: error,
          },
        ),
      });
    }
    throw error;
  }
}

/**
 * Answers a re-run from the journal, but only for a caller whose credential verifies now and who
 * is the principal the outcome was reached for; anyone else is refused and the refusal recorded.
 * The refusal is not journalled: the remembered outcome still belongs to its principal.
 */
async function replay(
  call: GuardedCall,
  context: CallContext,
  remembered: SettledCall<CallOutcome>,
): Promise<CallOutcome> {
  const { name } = call.definition;
  // The same context `guard()` would see: the implicit scope under the explicit one.
  const presented = mergeCallContext(call.enforcement.scope?.current(), context);
  let caller: JournalOwner;
  try {
    if (typeof presented.credential !== 'string' || presented.credential === '') {
      throw new CredentialError(`No credential was presented for "${name}"`, {
        tool: name,
        callId: call.toolCallId,
      });
    }
    const principal = await call.enforcement.verifier.verify(presented.credential, {
      audience: presented.audience,
      now: (call.enforcement.now ?? Date.now)(),
    });
    caller = ownerOf(principal);
  } catch (error) {
    return refuse(call, verifyRefusal(error, name, call.toolCallId));
  }
  if (!sameOwner(caller, remembered.owner)) {
    return refuse(
      call,
      new CredentialError(
        `Denied "${name}": this call was already made for another principal, whose outcome is not shared`,
        { tool: name, callId: call.toolCallId },
      ),
    );
  }
  return remembered.value;
}

/** The verifier's own refusal passes through; anything else it throws is a fault of the verify stage. */
function verifyRefusal(error: unknown, tool: string, callId: string | undefined): AccessDeniedError {
  if (AccessDeniedError.isInstance(error)) return error as AccessDeniedError;
  const detail = error instanceof Error ? error.message : String(error);
  return new GuardFaultError(`Denied "${tool}": the verify stage failed (${detail})`, {
    stage: 'verify',
    tool,
    callId,
    cause: error,
  });
}

function ownerOf(principal: Principal): JournalOwner {
  const agent = principal.agent.id;
  const user = principal.user?.id;
  if (typeof agent !== 'string' || agent === '' || (user !== undefined && typeof user !== 'string')) {
    throw new TypeError('The verifier returned a principal without a usable agent id or user id');
  }
  return { agent, user };
}

function toInterrupt(
  error: ApprovalRequiredError,
  observed: { request: ActionRequest; decision: Decision },
): ApprovalInterrupt {
  const { request, decision } = observed;
  return {
    type: APPROVAL_INTERRUPT_TYPE,
    approvalId: error.approvalId,
    digest: error.digest,
    expiresAt: error.expiresAt,
    tool: request.name,
    callId: request.callId,
    effect: request.effect,
    target: request.target,
    input: request.input,
    reason: decision.reason,
    ruleIds: [...decision.ruleIds],
    agent: request.principal.agent.id,
    user: request.principal.user?.id,
  };
}

function toRequiredError(approval: ApprovalInterrupt): ApprovalRequiredError {
  return new ApprovalRequiredError({
    approvalId: approval.approvalId,
    digest: approval.digest,
    tool: approval.tool,
    callId: approval.callId,
    expiresAt: approval.expiresAt,
  });
}

/** The approval id a resume value points to, or `undefined` when it carries none. */
function readApprovalId(resume: unknown): string | undefined {
  if (typeof resume !== 'object' || resume === null) return undefined;
  const approvalId = (resume as { approvalId?: unknown }).approvalId;
  return typeof approvalId === 'string' && approvalId !== '' ? approvalId : undefined;
}

function refuse(call: GuardedCall, error: AccessDeniedError): Promise<CallOutcome> {
  return refuseCall(call.enforcement, call.definition, call.toolCallId, error);
}

/** Records a call refused before (or instead of) `guard()` and returns the refusal. */
export async function refuseCall(
  enforcement: Enforcement,
  definition: Pick<CallDefinition, 'name' | 'effect' | 'kind' | 'target'>,
  toolCallId: string | undefined,
  error: AccessDeniedError,
): Promise<CallOutcome> {
  const callId = toolCallId ?? enforcement.newCallId?.() ?? randomUUID();
  await recordRefusal(
    enforcement,
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

/** Journals a final outcome for the principal it was reached for; without one it is not journalled. */
function settle(
  call: GuardedCall,
  key: JournalKey | undefined,
  outcome: CallOutcome,
  owner: JournalOwner | undefined,
): CallOutcome {
  if (key && owner && outcome.status !== 'approval-required') call.journal?.settle(key, outcome, owner);
  return outcome;
}
