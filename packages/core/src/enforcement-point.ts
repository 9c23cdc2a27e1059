import type { ActionKind, ActionRequest, Effect } from './action-request.js';
import type { CallDescriptor } from './audit-recorder.js';
import type { CallContext } from './call-context.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, type ApprovalRequiredError, CallFailedError } from './errors.js';
import {
  type CallObservation,
  type Enforcement,
  type EvaluatedCall,
  evaluate,
  prepareLoop,
  type ToolExecutionContext,
} from './guard.js';
import type { Principal } from './principal.js';
import { type RefusalDecision, recordRefusal } from './record-refusal.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** How one enforced call ended, as a value an adapter translates into its framework's terms. */
export type EnforcedOutcome<Output> =
  | {
      readonly status: 'done';
      readonly value: Output;
      readonly principal: Principal;
      readonly request: ActionRequest;
      readonly decision: Decision;
    }
  /** Refused; the body did not run. `principal` is set when verification got that far. */
  | {
      readonly status: 'denied';
      readonly error: AccessDeniedError;
      readonly principal?: Principal | undefined;
    }
  /** This call's own approval gate paused it: resume with `approvalId` once a reviewer decided. */
  | {
      readonly status: 'paused';
      readonly error: ApprovalRequiredError;
      readonly principal: Principal;
      readonly request: ActionRequest;
      readonly decision: Decision;
    }
  /** The body ran, then a stage after it failed: the action happened. Never a refusal. */
  | {
      readonly status: 'failed';
      readonly error: CallFailedError;
      readonly principal?: Principal | undefined;
    };

/** What an adapter declares about a tool, once, when it wraps it. */
export interface EnforcedTool<Input> {
  readonly name: string;
  readonly effect: Effect;
  readonly inputSchema: StandardSchemaV1<unknown, Input>;
  /** Defaults to `tool`. */
  readonly kind?: ActionKind | undefined;
  readonly target?: string | undefined;
}

/** One tool, prepared once: every call of it goes through the same loop `guard()` runs. */
export interface PreparedCall<Input> {
  readonly name: string;
  readonly kind: ActionKind;
  readonly effect: Effect;
  readonly target: string | undefined;
  /**
   * Runs one call; resolves with how it ended. Only the body's own errors reject (and an
   * `ApprovalRequiredError` raised by a guard nested in the body is a `denied` outcome's cause, not
   * a pause of this call).
   */
  run<Output>(
    input: unknown,
    context: CallContext | undefined,
    execute: (input: Input, context: ToolExecutionContext) => Output | Promise<Output>,
  ): Promise<EnforcedOutcome<Output>>;
  /**
   * Meets a decision's obligations for a call whose body runs outside the loop (a tool the
   * framework executes itself): the same handlers and deadline as the loop. `before` and `start`
   * before the framework runs it; `after` once it returned.
   */
  meet(
    phase: 'before' | 'start' | 'after',
    decision: Decision,
    request: ActionRequest,
    output?: unknown,
  ): Promise<void>;
}

/** The one door of a configured Palisade, for adapters. Create it once, not per call. */
export interface EnforcementPoint {
  readonly enforcement: Enforcement;
  /** Prepares a tool once (its deadlines, handlers and static description settled now). */
  prepare<Input>(tool: EnforcedTool<Input>): PreparedCall<Input>;
  /** `evaluate()` on this enforcement: "would this be allowed?" ahead of execution. */
  evaluate<Input>(
    call: EnforcedTool<Input> & { readonly input: unknown; readonly callId: string },
    context: CallContext,
  ): Promise<EvaluatedCall<Input>>;
  /** Records a call refused (or paused) outside the loop, under the loop's one failure policy. */
  refuse(
    call: CallDescriptor,
    error: AccessDeniedError | ApprovalRequiredError,
    decided?: RefusalDecision | undefined,
  ): Promise<void>;
}

const ENFORCED = Symbol.for('palisade.enforced');

/**
 * Marks a framework object (a wrapped tool, retriever or handler) as enforced by Palisade, so an
 * adapter can tell it apart from one that still needs wrapping. Returns the same object.
 *
 * @example
 * ```ts
 * return markEnforced(wrappedTool);
 * ```
 */
export function markEnforced<T extends object>(target: T): T {
  Object.defineProperty(target, ENFORCED, { value: true, enumerable: false });
  return target;
}

/**
 * True when `value` was marked by `markEnforced()` (any copy of Palisade): every call of it already
 * goes through the loop.
 *
 * @example
 * ```ts
 * if (isEnforced(request.tool)) return handler(request);
 * ```
 */
export function isEnforced(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as { [ENFORCED]?: unknown })[ENFORCED] === true
  );
}

/**
 * Creates the enforcement point adapters go through: one path for every call (the loop `guard()`
 * runs), outcomes as values to translate, refusal recording under one failure policy, obligations
 * for tools the framework runs itself, and evaluation ahead of execution. The enforcement is
 * validated here, once.
 *
 * @example
 * ```ts
 * const point = createEnforcementPoint(palisade);
 * const refund = point.prepare({ name: 'refund', effect: 'write', inputSchema });
 * const outcome = await refund.run(args, { credential, callId }, (input) => payments.refund(input));
 * if (outcome.status === 'denied') return toolMessage(outcome.error.message);
 * ```
 */
export function createEnforcementPoint(enforcement: Enforcement): EnforcementPoint {
  // Validates the enforcement (and its deadlines) now, not at the first call.
  prepareLoop(
    {
      kind: 'tool',
      name: 'palisade.enforcement-point',
      effect: 'read',
      target: undefined,
      inputSchema: NO_INPUT,
    },
    enforcement,
    'createEnforcementPoint()',
  );
  return Object.freeze({
    enforcement,
    prepare<Input>(tool: EnforcedTool<Input>): PreparedCall<Input> {
      const loop = prepareLoop(
        {
          kind: tool.kind ?? 'tool',
          name: tool.name,
          effect: tool.effect,
          target: tool.target,
          inputSchema: tool.inputSchema,
        },
        enforcement,
        'prepare()',
      );
      return Object.freeze({
        name: loop.shape.name,
        kind: loop.shape.kind,
        effect: loop.shape.effect,
        target: loop.shape.target,
        async run<Output>(
          input: unknown,
          context: CallContext | undefined,
          execute: (input: Input, context: ToolExecutionContext) => Output | Promise<Output>,
        ): Promise<EnforcedOutcome<Output>> {
          const observed: CallObservation = {};
          try {
            const value = await loop.run(input, context, execute, observed);
            return {
              status: 'done',
              value,
              principal: observed.principal!,
              request: observed.request!,
              decision: observed.decision!,
            };
          } catch (error) {
            if (observed.paused !== undefined && observed.paused === error) {
              return {
                status: 'paused',
                error: observed.paused,
                principal: observed.principal!,
                request: observed.request!,
                decision: observed.decision!,
              };
            }
            if (AccessDeniedError.isInstance(error)) {
              return { status: 'denied', error, principal: observed.principal };
            }
            if (CallFailedError.isInstance(error)) {
              return { status: 'failed', error, principal: observed.principal };
            }
            throw error;
          }
        },
        meet(
          phase: 'before' | 'start' | 'after',
          decision: Decision,
          request: ActionRequest,
          output?: unknown,
        ) {
          return loop.meet(phase, decision, request, output, request.callId);
        },
      });
    },
    evaluate<Input>(
      call: EnforcedTool<Input> & { readonly input: unknown; readonly callId: string },
      context: CallContext,
    ) {
      return evaluate(call, context, enforcement);
    },
    refuse(
      call: CallDescriptor,
      error: AccessDeniedError | ApprovalRequiredError,
      decided?: RefusalDecision | undefined,
    ) {
      return recordRefusal(enforcement.recorder, call, error, decided);
    },
  });
}

const NO_INPUT: StandardSchemaV1<unknown, unknown> = {
  '~standard': { version: 1, vendor: 'palisade', validate: (value) => ({ value }) },
};
