import {
  AccessDeniedError,
  type ActionKind,
  ApprovalDeniedError,
  ApprovalRequiredError,
  type CallContext,
  CallFailedError,
  type Effect,
  type Enforcement,
  type GuardedTool,
  guard,
  type Principal,
  type StandardSchemaV1,
  type ToolExecutionContext,
} from '@palisade/core';

/** A call's static description: what `guard()` needs besides `execute`. */
export interface CallDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: StandardSchemaV1;
  readonly effect: Effect;
  readonly kind: ActionKind;
  readonly target: string | undefined;
}

/** The body of one call: runs on the validated input, once the loop allowed it. */
export type CallBody = (input: unknown, context: ToolExecutionContext) => Promise<unknown>;

/** How a guarded call ended, for the adapter to express in LangChain's terms. */
export type CallOutcome =
  | {
      readonly status: 'done';
      readonly value: unknown;
      /** The principal the loop verified for the call, which the body ran for. */
      readonly principal: Principal;
    }
  | { readonly status: 'denied'; readonly error: AccessDeniedError }
  /** The body ran and a stage after it failed: the action happened, so this is never a refusal. */
  | { readonly status: 'failed'; readonly error: CallFailedError }
  /** The policy wants a human: the gate proposed the call (or it is still undecided). */
  | { readonly status: 'approval-required'; readonly error: ApprovalRequiredError };

/** One call through a runner. */
export interface RunnerCall {
  readonly args: unknown;
  /** The call context, resolved by the adapter; `callId` and `approvalId` are set here. */
  readonly context: CallContext;
  readonly callId: string;
  readonly approvalId: string | undefined;
  readonly execute: CallBody;
}

/** Runs calls of one definition through a guard built once. */
export interface CallRunner {
  readonly definition: CallDefinition;
  run(call: RunnerCall): Promise<CallOutcome>;
}

/**
 * Builds the guard of a definition once; each call hands its own body in. Refusals and pauses come
 * back as values; errors of the body propagate, and so does anything that is neither.
 */
export function createCallRunner(enforcement: Enforcement, definition: CallDefinition): CallRunner {
  // The body of each call in flight, by call id: the guard is shared, the bodies are not.
  const bodies = new Map<string, CallBody>();
  const execute = (input: unknown, context: ToolExecutionContext): Promise<unknown> => {
    const body = bodies.get(context.callId);
    if (body === undefined) return Promise.reject(new Error(`No body is waiting for call ${context.callId}`));
    bodies.delete(context.callId);
    return body(input, context);
  };
  const shared = guard({ ...definition, execute }, enforcement);

  return {
    definition,
    async run(call) {
      // Two calls in flight under one id (a replayed tool call id) each get a guard of their own.
      const guarded: GuardedTool<unknown, unknown> = bodies.has(call.callId)
        ? guard({ ...definition, execute: call.execute }, enforcement)
        : shared;
      let principal: Principal | undefined;
      const body: CallBody = (input, context) => {
        principal = context.principal;
        return call.execute(input, context);
      };
      if (guarded === shared) bodies.set(call.callId, body);
      try {
        const value = await guarded.call(call.args, {
          ...call.context,
          callId: call.callId,
          approvalId: call.approvalId,
        });
        return { status: 'done', value, principal: principal as Principal };
      } catch (error) {
        return outcomeOf(error, principal !== undefined, definition.name, call.callId);
      } finally {
        if (guarded === shared) bodies.delete(call.callId);
      }
    },
  };
}

function outcomeOf(error: unknown, bodyRan: boolean, tool: string, callId: string): CallOutcome {
  if (!bodyRan) {
    if (ApprovalRequiredError.isInstance(error)) {
      return { status: 'approval-required', error };
    }
    if (AccessDeniedError.isInstance(error)) return { status: 'denied', error };
    throw error;
  }
  if (CallFailedError.isInstance(error)) return { status: 'failed', error };
  if (ApprovalRequiredError.isInstance(error)) {
    // Raised by a guard nested in the body: that inner call cannot pause from inside a tool.
    const required = error;
    return {
      status: 'denied',
      error: new ApprovalDeniedError(
        `Denied "${tool}": a call it made ("${required.tool}") needs an approval that cannot be given from inside another tool`,
        { tool, callId, approvalId: required.approvalId, cause: error },
      ),
    };
  }
  // A refusal by a guard nested in the body is the body's answer; so is any other error it threw.
  if (AccessDeniedError.isInstance(error)) return { status: 'denied', error };
  throw error;
}
