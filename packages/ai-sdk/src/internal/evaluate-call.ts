import {
  AccessDeniedError,
  type ActionRequest,
  type CallContext,
  CredentialError,
  type Decision,
  type Effect,
  type Enforcement,
  GuardFaultError,
  type GuardStage,
  InputValidationError,
  isDecision,
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
 * decider, without executing, proposing or recording anything: validate input, verify the
 * credential, read the session labels, score, decide. A decision (allow, deny, approve) is a value;
 * a failure at any stage is thrown as an `AccessDeniedError` (a `GuardFaultError` for faults), so
 * nothing here can fail open.
 *
 * The sequence mirrors `guard()` in `@palisade/core` step by step; the two must stay in lock step.
 */
export async function evaluateCall(
  enforcement: Enforcement,
  call: CallToEvaluate,
  context: CallContext,
): Promise<EvaluatedCall> {
  let stage: GuardStage = 'validate';
  try {
    const result = await call.inputSchema['~standard'].validate(call.input);
    if (result.issues) {
      const issues = result.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
      throw new InputValidationError(call.name, issues, { callId: call.callId });
    }
    const input = result.value;

    stage = 'verify';
    if (typeof context.credential !== 'string' || context.credential === '') {
      throw new CredentialError(`No credential was presented for "${call.name}"`, {
        tool: call.name,
        callId: call.callId,
      });
    }
    const time = (enforcement.now ?? Date.now)();
    const principal = await enforcement.verifier.verify(context.credential, {
      audience: context.audience,
      now: time,
    });

    stage = 'context';
    const storedLabels =
      context.sessionId !== undefined && enforcement.sessions
        ? await enforcement.sessions.labels(context.sessionId)
        : [];
    let request: ActionRequest = {
      kind: 'tool',
      name: call.name,
      effect: call.effect,
      target: call.target,
      input,
      callId: call.callId,
      principal,
      context: {
        time,
        sessionId: context.sessionId,
        labels: [...new Set([...storedLabels, ...(context.labels ?? [])])],
        userMessages: [...(context.userMessages ?? [])],
        audience: context.audience,
        attributes: { ...context.attributes },
      },
    };

    stage = 'enrich';
    if (enforcement.riskScorer) {
      const risk = await enforcement.riskScorer.score(request);
      if (typeof risk !== 'number' || Number.isNaN(risk) || risk < 0 || risk > 1) {
        throw new TypeError(`Risk scorer returned ${String(risk)}; expected a number in [0, 1]`);
      }
      request = { ...request, context: { ...request.context, risk } };
    }

    stage = 'decide';
    const decision = await enforcement.decider.decide(request);
    if (!isDecision(decision)) throw new TypeError('Decider returned a value that is not a Decision');
    return { request, decision };
  } catch (error) {
    if (AccessDeniedError.isInstance(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new GuardFaultError(`Denied "${call.name}": the ${stage} stage failed (${detail})`, {
      stage,
      tool: call.name,
      callId: call.callId,
      cause: error,
    });
  }
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
