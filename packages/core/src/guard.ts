import {
  ACTION_KINDS,
  type ActionKind,
  type ActionRequest,
  EFFECTS,
  type Effect,
  type RequestContext,
} from './action-request.js';
import type { ApprovalGate } from './approval-gate.js';
import type { AuditRecorder, AuditScope, CallOutcome } from './audit-recorder.js';
import { type CallContext, type CallScope, mergeCallContext } from './call-context.js';
import type { CredentialVerifier } from './credential-verifier.js';
import type { Decider } from './decider.js';
import { type Decision, isDecision, type Obligation } from './decision.js';
import {
  AccessDeniedError,
  type AfterExecutionStage,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CallFailedError,
  CredentialError,
  GuardFaultError,
  type GuardStage,
  InputValidationError,
  StageTimeoutError,
} from './errors.js';
import { formatIssuePath } from './internal/format-path.js';
import { snapshotInput } from './internal/snapshot-input.js';
import { isPromiseLike, withinDeadline } from './internal/within-deadline.js';
import type { Principal } from './principal.js';
import type { ProvenanceStore } from './provenance-store.js';
import { RECORD_PROVENANCE, recordProvenanceHandler } from './record-provenance.js';
import type { SessionStore } from './session-store.js';
import { resolveStageDeadlines, type StageDeadlines } from './stage-deadlines.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What a guarded tool's body receives besides its input. */
export interface ToolExecutionContext {
  readonly principal: Principal;
  readonly request: ActionRequest;
  readonly decision: Decision;
  readonly callId: string;
  /** The consumed approval, when a human approved this exact call. */
  readonly approvalId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** A tool (or retriever, or action) as its author declares it. */
export interface ToolDefinition<Input, Output> {
  readonly name: string;
  readonly description: string;
  /** zod 4 or any other Standard Schema. */
  readonly inputSchema: StandardSchemaV1<unknown, Input>;
  readonly effect: Effect;
  /** Defaults to `tool`. */
  readonly kind?: ActionKind | undefined;
  /** The system the tool touches. */
  readonly target?: string | undefined;
  execute(input: Input, context: ToolExecutionContext): Output | Promise<Output>;
}

/** A tool wrapped by `guard()`. Its body runs only after an allow (or a consumed approval). */
export interface GuardedTool<Input, Output> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: StandardSchemaV1<unknown, Input>;
  readonly effect: Effect;
  readonly kind: ActionKind;
  readonly target: string | undefined;
  /**
   * Runs the enforcement loop for one call. Resolves with the tool's output, or rejects with an
   * `AccessDeniedError` (blocked; the body did not run), an `ApprovalRequiredError` (paused), the
   * body's own error, or a `CallFailedError` (the body ran, a stage after it failed).
   */
  call(input: unknown, context?: CallContext): Promise<Output>;
}

/** Scores a request in context; the result becomes `request.context.risk`. */
export interface RiskScorer {
  score(request: ActionRequest): number | Promise<number>;
}

/** Carries out one kind of obligation. Each hook runs within the `obligation` deadline. */
export interface ObligationHandler {
  /** Runs after approval and before the intent record; throwing denies the call. */
  before?(obligation: Obligation, request: ActionRequest): void | Promise<void>;
  /**
   * Runs as the body starts (after the intent record, right before `execute`); what it does holds
   * whatever the body then does: returns, throws, times out or is aborted. Throwing denies the call
   * (the body has not run). `label-session` labels the session here.
   */
  start?(obligation: Obligation, request: ActionRequest): void | Promise<void>;
  /** Runs after the body succeeded; throwing withholds the output (a `CallFailedError`). */
  after?(obligation: Obligation, request: ActionRequest, output: unknown): void | Promise<void>;
}

/** The parts of the enforcement loop. Required parts have no default, on purpose. */
export interface Enforcement {
  readonly verifier: CredentialVerifier;
  readonly decider: Decider;
  readonly recorder: AuditRecorder;
  /** Without a gate, every `approve` decision is a deny. */
  readonly approvals?: ApprovalGate | undefined;
  /** Where session labels live; required for `label-session` obligations to be met. */
  readonly sessions?: SessionStore | undefined;
  /**
   * Where the values tool outputs carried are remembered per session, with where each came from;
   * required for `record-provenance` obligations, and read into `request.context.provenance`.
   */
  readonly provenance?: ProvenanceStore | undefined;
  /** The implicit call context. */
  readonly scope?: CallScope | undefined;
  readonly riskScorer?: RiskScorer | undefined;
  /** Handlers by obligation type, on top of the built-in `label-session`. */
  readonly obligations?: Readonly<Record<string, ObligationHandler>> | undefined;
  /**
   * Milliseconds each awaited stage may take (`verify`, `context`, `enrich`, `decide`, `approve`,
   * `obligation`, `intent`, `record`); a missed deadline refuses the call with a `StageTimeoutError`.
   * Unset stages keep `DEFAULT_STAGE_DEADLINES`; no stage can go without one.
   */
  readonly deadlines?: Readonly<Partial<StageDeadlines>> | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
  readonly newCallId?: (() => string) | undefined;
}

/**
 * Wraps a tool in the enforcement loop: validate input -> verify credential -> build and score the
 * request -> decide -> (human approval) -> obligations -> durable intent -> execute -> record.
 *
 * Any failure of the loop itself denies the call (`GuardFaultError`) and the body never runs; so
 * does a stage that misses its deadline (`StageTimeoutError`). The body runs on a deep, frozen copy
 * of the validated input: exactly what policy decided on and a human approved.
 *
 * @example
 * ```ts
 * const getTicket = guard(
 *   {
 *     name: 'get_ticket',
 *     description: 'Read a support ticket',
 *     inputSchema: z.object({ id: z.string() }),
 *     effect: 'read',
 *     execute: async ({ id }) => tickets.get(id),
 *   },
 *   enforcement,
 * );
 * await getTicket.call({ id: 'T-1' }, { credential: agentToken });
 * ```
 * @see https://csrc.nist.gov/pubs/sp/800/207/final
 */
export function guard<Input, Output>(
  tool: ToolDefinition<Input, Output>,
  enforcement: Enforcement,
): GuardedTool<Input, Output> {
  assertToolDefinition(tool);
  const loop = prepareLoop(
    {
      kind: tool.kind ?? 'tool',
      name: tool.name,
      effect: tool.effect,
      target: tool.target,
      inputSchema: tool.inputSchema,
    },
    enforcement,
    'guard()',
  );
  // Bound once: a body written as a method keeps its `this`.
  const execute = tool.execute.bind(tool);
  return Object.freeze({
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    effect: tool.effect,
    kind: loop.shape.kind,
    target: tool.target,
    call: (input: unknown, context?: CallContext) => loop.run(input, context, execute),
  });
}

/** What one run of the loop learnt, for the enforcement point's outcome values. */
export interface CallObservation {
  principal?: Principal | undefined;
  request?: ActionRequest | undefined;
  decision?: Decision | undefined;
  /** Set when this call's own approval gate paused it. */
  paused?: ApprovalRequiredError | undefined;
}

/** The enforcement loop for one declared tool, with everything static settled once. */
export interface PreparedLoop<Input> {
  readonly shape: CallShape<Input>;
  run<Output>(
    input: unknown,
    context: CallContext | undefined,
    execute: ToolDefinition<Input, Output>['execute'],
    observed?: CallObservation,
  ): Promise<Output>;
  /** Runs one hook of every obligation of `decision` with this loop's handlers and deadline. */
  meet(
    phase: 'before' | 'start' | 'after',
    decision: Decision,
    request: ActionRequest,
    output: unknown,
    callId: string,
  ): Promise<void>;
}

/**
 * Prepares the loop for one tool: validates the enforcement, resolves deadlines and obligation
 * handlers once. Internal to core: `guard()` and the enforcement point are its two doors.
 */
export function prepareLoop<Input>(
  declared: CallShape<Input>,
  enforcement: Enforcement,
  where: string,
): PreparedLoop<Input> {
  assertEnforcement(enforcement);
  const newCallId = enforcement.newCallId ?? newRandomCallId;
  // What is static per tool is settled once, here, not on every call.
  const deadlines = resolveStageDeadlines(enforcement.deadlines, `${where}: enforcement.deadlines`);
  const shape: CallShape<Input> = Object.freeze({ ...declared });
  const handlers = obligationHandlers(enforcement);
  const timedOut = (stage: GuardStage, callId: string) => () =>
    stageTimeout(stage, deadlines[stage as keyof StageDeadlines], shape.name, callId);

  async function run<Output>(
    rawInput: unknown,
    explicit: CallContext | undefined,
    execute: ToolDefinition<Input, Output>['execute'],
    observed?: CallObservation,
  ): Promise<Output> {
    const context = mergeCallContext(enforcement.scope?.current(), explicit);
    const callId = context.callId ?? newCallId();
    const descriptor = {
      kind: shape.kind,
      name: shape.name,
      effect: shape.effect,
      callId,
      target: shape.target,
    };
    let recorded = false;
    try {
      // Not an async arrow: `runLoop` already returns a promise, and wrapping it in another one
      // would only add microtask hops to every call.
      return await enforcement.recorder.record(descriptor, (scope) => {
        recorded = true;
        return runLoop(rawInput, context, callId, scope, execute, observed);
      });
    } catch (error) {
      if (recorded) throw error;
      // The recorder failed before the call started: nothing may run unlogged.
      throw fault('record', error, shape.name, callId);
    }
  }

  async function runLoop<Output>(
    rawInput: unknown,
    context: CallContext,
    callId: string,
    scope: AuditScope,
    execute: ToolDefinition<Input, Output>['execute'],
    observed: CallObservation | undefined,
  ): Promise<Output> {
    const progress: StageTracker = { stage: 'validate' };
    let executed = false;
    let output: Output;
    try {
      const { input, principal, request, decision } = await decideCall(
        shape,
        rawInput,
        callId,
        context,
        enforcement,
        deadlines,
        progress,
      );
      scope.decided(request, decision);
      if (observed) {
        observed.principal = principal;
        observed.request = request;
        observed.decision = decision;
      }
      if (decision.effect === 'deny') {
        throw new AccessDeniedError(`Denied "${shape.name}": ${decision.reason}`, {
          stage: 'decide',
          tool: shape.name,
          callId,
          decision,
        });
      }

      // A resumed call was verified and decided afresh above (revocation, policy and grants as
      // they stand now); its limits are met here too, before the approval is consumed, so an
      // approval never outlives the authority that asked for it. A first pass meets them after the
      // gate, so a call that only pauses spends nothing.
      const resuming = decision.effect === 'approve' && context.approvalId !== undefined;
      if (resuming) {
        progress.stage = 'obligation';
        await meetObligations('before', decision, request, undefined, callId);
      }

      progress.stage = 'approve';
      let approvalId: string | undefined;
      if (decision.effect === 'approve') {
        approvalId = await obtainApproval(request, decision, context);
        if (!resuming) {
          // The gate waited for a person, maybe for minutes: the credential (revocation included)
          // and the policy are checked again, on exactly the approved input, before anything runs.
          const again = await decideCall(shape, input, callId, context, enforcement, deadlines, progress);
          if (again.decision.effect === 'deny') {
            throw new AccessDeniedError(`Denied "${shape.name}": ${again.decision.reason}`, {
              stage: 'decide',
              tool: shape.name,
              callId,
              decision: again.decision,
            });
          }
          progress.stage = 'approve';
        }
      }

      if (!resuming) {
        progress.stage = 'obligation';
        await meetObligations('before', decision, request, undefined, callId);
      }

      progress.stage = 'intent';
      await withinDeadline(
        scope.intent(request, decision, { approvalId }),
        deadlines.intent,
        timedOut('intent', callId),
      );

      // From here on the body starts: labels applied now hold whether it returns, throws, times
      // out or is aborted.
      progress.stage = 'obligation';
      await meetObligations('start', decision, request, undefined, callId);

      progress.stage = 'execute';
      executed = true;
      output = await execute(input, {
        principal,
        request,
        decision,
        callId,
        approvalId,
        signal: context.signal,
      });

      progress.stage = 'obligation';
      await meetObligations('after', decision, request, output, callId);
    } catch (error) {
      // Only this call's own gate pauses it; an ApprovalRequiredError from a guard nested in the
      // body is that inner call's business.
      if (observed && progress.stage === 'approve' && ApprovalRequiredError.isInstance(error)) {
        observed.paused = error;
      }
      // Once the body ran, the call is an error, never a denial: its side effect has happened.
      const final = !executed
        ? classify(progress.stage, error, shape.name, callId)
        : progress.stage === 'execute'
          ? error
          : failedAfter('obligation', error, shape.name, callId);
      const settling = settle(scope, outcomeOf(final, executed), executed, callId);
      if (settling) await settling;
      throw final;
    }
    const settling = settle(scope, { status: 'ok', output }, true, callId);
    if (settling) await settling;
    return output;
  }

  /** Runs one hook of every obligation of the decision, each within the obligation deadline. */
  async function meetObligations(
    phase: 'before' | 'start' | 'after',
    decision: Decision,
    request: ActionRequest,
    output: unknown,
    callId: string,
  ): Promise<void> {
    for (const obligation of decision.obligations) {
      const handler = handlers.get(obligation.type);
      // An obligation nobody can meet is a deny (checked before anything ran).
      if (!handler) throw new TypeError(`No handler for obligation "${obligation.type}"`);
      const met =
        phase === 'after'
          ? handler.after?.(obligation, request, output)
          : handler[phase]?.(obligation, request);
      if (met !== undefined) await withinDeadline(met, deadlines.obligation, timedOut('obligation', callId));
    }
  }

  /**
   * Records the outcome within the record deadline; a recorder that cannot record turns the call
   * into a fault (before the body) or a `CallFailedError` (after it). Returns a promise only when
   * the recorder did: most outcomes are recorded synchronously, and an extra async layer here would
   * cost every call its microtask hops.
   */
  function settle(
    scope: AuditScope,
    outcome: CallOutcome,
    executed: boolean,
    callId: string,
  ): void | Promise<void> {
    // Before the body, an unrecorded call is refused; after it, the action happened all the same.
    const failed = (error: unknown): Error =>
      executed
        ? failedAfter('record', error, shape.name, callId)
        : fault('record', error, shape.name, callId);
    let recorded: void | Promise<void>;
    try {
      recorded = scope.result(outcome);
    } catch (error) {
      throw failed(error);
    }
    if (!isPromiseLike(recorded)) return undefined;
    return Promise.resolve(withinDeadline(recorded, deadlines.record, timedOut('record', callId))).then(
      undefined,
      (error: unknown) => {
        throw failed(error);
      },
    );
  }

  async function obtainApproval(request: ActionRequest, decision: Decision, context: CallContext) {
    if (!enforcement.approvals) {
      throw new ApprovalDeniedError(`"${shape.name}" needs approval and no approval gate is configured`, {
        tool: shape.name,
        callId: request.callId,
        decision,
      });
    }
    // A gate that waits for a human is told to stop when the approve deadline passes.
    const deadline = new AbortController();
    const signal = context.signal ? AbortSignal.any([context.signal, deadline.signal]) : deadline.signal;
    const outcome = await withinDeadline(
      enforcement.approvals.authorize(request, decision, { approvalId: context.approvalId, signal }),
      deadlines.approve,
      timedOut('approve', request.callId),
      deadline,
    );
    if (outcome?.status === 'approved' && typeof outcome.approvalId === 'string') return outcome.approvalId;
    if (outcome?.status === 'denied') {
      throw new ApprovalDeniedError(`Approval refused for "${shape.name}": ${outcome.reason}`, {
        tool: shape.name,
        callId: request.callId,
        decision,
        approvalId: outcome.approvalId,
      });
    }
    throw new TypeError('Approval gate returned a value that is not an ApprovalOutcome');
  }

  return Object.freeze({ shape, run, meet: meetObligations });
}

/** A call to evaluate: the declared tool, the raw input and the call id. */
export interface CallToEvaluate<Input> {
  readonly kind?: ActionKind | undefined;
  readonly name: string;
  readonly effect: Effect;
  readonly target?: string | undefined;
  readonly inputSchema: StandardSchemaV1<unknown, Input>;
  /** The raw input, validated here. */
  readonly input: unknown;
  readonly callId: string;
}

/** A call taken through the loop up to the decision. */
export interface EvaluatedCall<Input> {
  /** The validated input. */
  readonly input: Input;
  readonly principal: Principal;
  readonly request: ActionRequest;
  readonly decision: Decision;
}

/**
 * Runs the first stages of the loop (validate, verify, context, enrich, decide) without proposing,
 * executing or recording anything, and returns the request exactly as `guard()` would build it
 * together with the policy's decision. For adapters that must answer "would this be allowed?" ahead
 * of execution (the AI SDK's `toolApproval`); the call is still decided afresh when it runs.
 *
 * A decision (allow, deny, approve) is a value; a failure at any stage throws an `AccessDeniedError`
 * (a `GuardFaultError` for faults), so nothing here can fail open.
 *
 * @example
 * ```ts
 * const { decision } = await evaluate(
 *   { name: 'send_money', effect: 'send', inputSchema, input, callId },
 *   { credential },
 *   palisade,
 * );
 * ```
 */
export async function evaluate<Input>(
  call: CallToEvaluate<Input>,
  context: CallContext,
  enforcement: Enforcement,
): Promise<EvaluatedCall<Input>> {
  const deadlines = resolveStageDeadlines(enforcement.deadlines, 'evaluate(): enforcement.deadlines');
  const progress: StageTracker = { stage: 'validate' };
  try {
    return await decideCall(
      {
        kind: call.kind ?? 'tool',
        name: call.name,
        effect: call.effect,
        target: call.target,
        inputSchema: call.inputSchema,
      },
      call.input,
      call.callId,
      mergeCallContext(enforcement.scope?.current(), context),
      enforcement,
      deadlines,
      progress,
    );
  } catch (error) {
    throw classify(progress.stage, error, call.name, call.callId);
  }
}

interface StageTracker {
  stage: GuardStage;
}

/** What is static about a call: the declared tool. */
export interface CallShape<Input> {
  readonly kind: ActionKind;
  readonly name: string;
  readonly effect: Effect;
  readonly target: string | undefined;
  readonly inputSchema: StandardSchemaV1<unknown, Input>;
}

/** The loop up to the decision; `progress.stage` names the stage that was running if it throws. */
async function decideCall<Input>(
  call: CallShape<Input>,
  rawInput: unknown,
  callId: string,
  context: CallContext,
  enforcement: Enforcement,
  deadlines: StageDeadlines,
  progress: StageTracker,
): Promise<EvaluatedCall<Input>> {
  const timedOut = (stage: keyof StageDeadlines) => () =>
    stageTimeout(stage, deadlines[stage], call.name, callId);

  progress.stage = 'validate';
  // Standard Schema validates synchronously when it can; only a promise needs the extra hop.
  const validated = call.inputSchema['~standard'].validate(rawInput);
  const result = isPromiseLike(validated) ? await validated : validated;
  if (result.issues) {
    const issues = result.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message: issue.message,
    }));
    throw new InputValidationError(call.name, issues, { callId });
  }
  // Decided on, approved and run: one deep, frozen copy, out of the caller's reach.
  const input = snapshotOf(result.value, call.name, callId);

  progress.stage = 'verify';
  if (typeof context.credential !== 'string' || context.credential === '') {
    throw new CredentialError(`No credential was presented for "${call.name}"`, {
      tool: call.name,
      callId,
    });
  }
  const time = (enforcement.now ?? Date.now)();
  const principal = await withinDeadline(
    enforcement.verifier.verify(context.credential, { audience: context.audience, now: time }),
    deadlines.verify,
    timedOut('verify'),
  );

  progress.stage = 'scope';
  assertCredentialCovers(principal, call.name, callId);

  progress.stage = 'context';
  const storedLabels =
    context.sessionId !== undefined && enforcement.sessions
      ? await withinDeadline(
          enforcement.sessions.labels(context.sessionId),
          deadlines.context,
          timedOut('context'),
        )
      : [];
  const requestContext: RequestContext = {
    time,
    sessionId: context.sessionId,
    labels: unionOfLabels(storedLabels, context.labels),
    userMessages: [...(context.userMessages ?? [])],
    audience: context.audience,
    attributes: { ...context.attributes },
    provenance:
      context.sessionId !== undefined && enforcement.provenance
        ? await withinDeadline(
            enforcement.provenance.view(context.sessionId),
            deadlines.context,
            timedOut('context'),
          )
        : undefined,
  };
  let request: ActionRequest = {
    kind: call.kind,
    name: call.name,
    effect: call.effect,
    target: call.target,
    input,
    callId,
    principal,
    context: requestContext,
  };

  progress.stage = 'enrich';
  if (enforcement.riskScorer) {
    const risk = await withinDeadline(
      enforcement.riskScorer.score(request),
      deadlines.enrich,
      timedOut('enrich'),
    );
    if (typeof risk !== 'number' || Number.isNaN(risk) || risk < 0 || risk > 1) {
      throw new TypeError(`Risk scorer returned ${String(risk)}; expected a number in [0, 1]`);
    }
    request = { ...request, context: { ...request.context, risk } };
  }

  progress.stage = 'decide';
  const decision = await withinDeadline(
    enforcement.decider.decide(request),
    deadlines.decide,
    timedOut('decide'),
  );
  if (!isDecision(decision)) throw new TypeError('Decider returned a value that is not a Decision');
  return { input, principal, request, decision };
}

/**
 * The credential bounds every call before policy runs: when the verifier says which names the
 * credential may call (`allowedTools`), any other name is refused. Policy can narrow what a
 * credential allows, never widen it.
 */
function assertCredentialCovers(principal: Principal, name: string, callId: string): void {
  if (typeof principal !== 'object' || principal === null) {
    throw new TypeError('The verifier returned something that is not a Principal');
  }
  const bound = principal.allowedTools;
  if (bound === undefined) return;
  if (!Array.isArray(bound)) throw new TypeError('The verified principal has malformed allowedTools');
  if (!bound.includes(name)) {
    throw new AccessDeniedError(`Denied "${name}": the credential does not cover it (no scope names it)`, {
      stage: 'scope',
      tool: name,
      callId,
    });
  }
}

/** Errors Palisade raised on purpose pass through; anything else becomes a fault at its stage. */
function classify(stage: GuardStage, error: unknown, tool: string, callId: string): Error {
  if (AccessDeniedError.isInstance(error) || ApprovalRequiredError.isInstance(error)) return error as Error;
  return fault(stage, error, tool, callId);
}

function fault(stage: GuardStage, error: unknown, tool: string, callId: string): GuardFaultError {
  const detail = error instanceof Error ? error.message : String(error);
  return new GuardFaultError(`Denied "${tool}": the ${stage} stage failed (${detail})`, {
    stage,
    tool,
    callId,
    cause: error,
  });
}

function failedAfter(
  stage: AfterExecutionStage,
  error: unknown,
  tool: string,
  callId: string,
): CallFailedError {
  const detail = error instanceof Error ? error.message : String(error);
  return new CallFailedError(
    `"${tool}" ran, but its ${stage} stage failed afterwards (${detail}); the action happened and its output is withheld`,
    { stage, tool, callId, cause: error },
  );
}

function outcomeOf(error: unknown, bodyRan: boolean): CallOutcome {
  const asError = error instanceof Error ? error : new Error(String(error));
  if (bodyRan) return { status: 'error', error: asError };
  if (ApprovalRequiredError.isInstance(error)) return { status: 'pending-approval', error: asError };
  return { status: 'denied', error: asError };
}

/** The session's labels, stored and presented, each once, in first-seen order; always a new array. */
function unionOfLabels(stored: readonly string[], presented: readonly string[] | undefined): string[] {
  // The common call has no labels at all: skip building a Set for nothing. Anything but an array
  // from the store takes the general path, which throws on what is not iterable.
  if (Array.isArray(stored) && stored.length === 0 && (presented === undefined || presented.length === 0)) {
    return [];
  }
  return [...new Set([...stored, ...(presented ?? [])])];
}

/** A fresh call id from the platform's Web Crypto. */
function newRandomCallId(): string {
  return globalThis.crypto.randomUUID();
}

function snapshotOf<Input>(value: Input, tool: string, callId: string): Input {
  try {
    return snapshotInput(value);
  } catch {
    throw new InputValidationError(
      tool,
      [{ path: '(root)', message: 'must be data that can be copied (no functions or symbols)' }],
      { callId },
    );
  }
}

function stageTimeout(stage: GuardStage, timeoutMs: number, tool: string, callId: string): StageTimeoutError {
  return new StageTimeoutError(`Denied "${tool}": the ${stage} stage took longer than ${timeoutMs} ms`, {
    stage,
    tool,
    callId,
    timeoutMs,
  });
}

/** The obligation handlers by type: the built-in ones, then the enforcement's own (which win). */
function obligationHandlers(enforcement: Enforcement): ReadonlyMap<string, ObligationHandler> {
  // A Map, not an object: an obligation typed `toString` must not find a handler on a prototype.
  const handlers = new Map<string, ObligationHandler>([
    ['label-session', labelSessionHandler(enforcement.sessions)],
    [RECORD_PROVENANCE, recordProvenanceHandler(enforcement.provenance)],
  ]);
  for (const [type, handler] of Object.entries(enforcement.obligations ?? {})) handlers.set(type, handler);
  return handlers;
}

function labelSessionHandler(sessions: SessionStore | undefined): ObligationHandler {
  return {
    before(obligation, request) {
      readLabels(obligation);
      if (!sessions || request.context.sessionId === undefined) {
        throw new TypeError(
          `"${request.name}" labels the session, but ${sessions ? 'the call has no sessionId' : 'no session store is configured'}`,
        );
      }
    },
    // As the body starts, not after it returns: a body that throws, times out or is aborted has
    // still read what the labels warn about.
    async start(obligation, request) {
      // `before` checked both exist.
      await sessions!.addLabels(request.context.sessionId!, readLabels(obligation));
    },
  };
}

function readLabels(obligation: Obligation): string[] {
  const labels = obligation.labels;
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) {
    throw new TypeError('A label-session obligation needs `labels: string[]`');
  }
  return labels;
}

function assertToolDefinition(tool: ToolDefinition<unknown, unknown>): void {
  if (typeof tool !== 'object' || tool === null) throw new TypeError('guard(): tool must be an object');
  if (typeof tool.name !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(tool.name)) {
    throw new TypeError(
      `guard(): tool.name must be 1-128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(tool.name)}`,
    );
  }
  if (typeof tool.description !== 'string')
    throw new TypeError(`guard(): "${tool.name}" needs a description`);
  if (typeof tool.inputSchema?.['~standard']?.validate !== 'function') {
    throw new TypeError(
      `guard(): "${tool.name}" inputSchema must be a Standard Schema (zod 4, valibot, ...)`,
    );
  }
  if (!EFFECTS.includes(tool.effect)) {
    throw new TypeError(
      `guard(): "${tool.name}" effect must be one of ${EFFECTS.join(', ')}, got ${String(tool.effect)}`,
    );
  }
  if (tool.kind !== undefined && !ACTION_KINDS.includes(tool.kind)) {
    throw new TypeError(`guard(): "${tool.name}" kind must be one of ${ACTION_KINDS.join(', ')}`);
  }
  if (typeof tool.execute !== 'function')
    throw new TypeError(`guard(): "${tool.name}" needs an execute function`);
}

function assertEnforcement(enforcement: Enforcement): void {
  if (typeof enforcement !== 'object' || enforcement === null) {
    throw new TypeError('guard(): enforcement must be an object');
  }
  for (const [key, method] of [
    ['verifier', 'verify'],
    ['decider', 'decide'],
    ['recorder', 'record'],
  ] as const) {
    const part = enforcement[key] as unknown as Record<string, unknown> | undefined;
    if (typeof part?.[method] !== 'function') {
      throw new TypeError(`guard(): enforcement.${key} is required and must have ${method}()`);
    }
  }
  if (enforcement.approvals !== undefined && typeof enforcement.approvals.authorize !== 'function') {
    throw new TypeError('guard(): enforcement.approvals must have authorize()');
  }
}
