import type { ActionRequest } from './action-request.js';
import type { AuditRecorder, CallDescriptor } from './audit-recorder.js';
import type { Decision } from './decision.js';
import { type AccessDeniedError, ApprovalRequiredError } from './errors.js';

/** What was decided about a refused call, when the loop got that far. */
export interface RefusalDecision {
  readonly request: ActionRequest;
  readonly decision: Decision;
}

/**
 * Records a call an adapter refused, or paused for a human, outside `guard()`: an unknown tool, a
 * context that could not be read, a reviewer's rejection, a call proposed for review before it
 * runs. It leaves the same record a refusal inside the loop leaves (`denied`, or `pending-approval`
 * for an `ApprovalRequiredError`), with the request and decision when there are some. One failure
 * policy: a recorder that fails does not turn the refusal into anything else; the call is refused
 * (or paused) either way, and nothing less than that is left to fall back to.
 *
 * @example
 * ```ts
 * const refusal = new AccessDeniedError(`Denied "${name}": unknown tool`, { stage: 'decide', tool: name, callId });
 * await recordRefusal(palisade.recorder, { kind: 'tool', name, effect: 'execute', callId }, refusal);
 * ```
 */
export async function recordRefusal(
  recorder: AuditRecorder,
  call: CallDescriptor,
  error: AccessDeniedError | ApprovalRequiredError,
  decided?: RefusalDecision | undefined,
): Promise<void> {
  const status = ApprovalRequiredError.isInstance(error) ? 'pending-approval' : 'denied';
  try {
    await recorder.record(call, async (scope) => {
      if (decided) scope.decided(decided.request, decided.decision);
      await scope.result({ status, error });
    });
  } catch {
    // Refused (or paused) either way.
  }
}
