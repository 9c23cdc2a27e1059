import {
  type ActionRequest,
  type CallContext,
  type Decision,
  type Effect,
  type Enforcement,
  evaluate,
  type StandardSchemaV1,
} from '@palisade/core';

/** The tool call to evaluate. */
export interface CallToEvaluate {
  readonly name: string;
  readonly effect: Effect;
  readonly target: string | undefined;
  readonly inputSchema: StandardSchemaV1<unknown, unknown>;
  readonly input: unknown;
  readonly callId: string;
}

/** A request the policy decided on. */
export interface EvaluatedCall {
  readonly request: ActionRequest;
  readonly decision: Decision;
}

/**
 * Builds the `ActionRequest` that `guard()` builds for the same call and context, and asks the
 * decider, without executing, proposing or recording anything (core's `evaluate()`). A decision is
 * a value; a failure at any stage is thrown as an `AccessDeniedError`, so nothing here fails open.
 */
export async function evaluateCall(
  enforcement: Enforcement,
  call: CallToEvaluate,
  context: CallContext,
): Promise<EvaluatedCall> {
  const { request, decision } = await evaluate({ ...call, kind: 'tool' }, context, enforcement);
  return { request, decision };
}
