import {
  AccessDeniedError,
  ApprovalDeniedError,
  type CallDescriptor,
  type Enforcement,
  GuardFaultError,
} from '@palisade/core';

/** What the model reads when a call is refused. Faults say which check failed, never its internals. */
export function describeDenial(error: AccessDeniedError): string {
  if (GuardFaultError.isInstance(error)) {
    return `Denied "${error.tool ?? 'unknown'}": the ${error.stage} check could not be completed, so the call was refused.`;
  }
  return error.message;
}

/** Structured facts about a denial, for the application (a ToolMessage artifact; not sent to the model). */
export interface DenialArtifact {
  readonly code: string;
  readonly stage: string;
  readonly ruleIds: readonly string[];
  readonly policyVersion?: string | undefined;
  readonly approvalId?: string | undefined;
}

export function denialArtifact(error: AccessDeniedError): DenialArtifact {
  return {
    code: error.code,
    stage: error.stage,
    ruleIds: error.decision?.ruleIds ?? [],
    policyVersion: error.decision?.policyVersion,
    approvalId: ApprovalDeniedError.isInstance(error) ? (error as ApprovalDeniedError).approvalId : undefined,
  };
}

/**
 * Records a call refused before `guard()` could run (unknown tool, unreadable context, a resume
 * without an approval id), so that no refusal goes unlogged. A recorder that fails does not turn
 * the refusal into anything else.
 */
export async function recordRefusal(
  enforcement: Enforcement,
  call: CallDescriptor,
  error: AccessDeniedError,
): Promise<void> {
  try {
    await enforcement.recorder.record(call, async (scope) => {
      await scope.result({ status: 'denied', error });
    });
  } catch {
    // The call is refused either way; there is nothing less than a refusal to fall back to.
  }
}

/** True for an error that means "refused" (including refusals by a guard nested in the tool). */
export function isRefusal(error: unknown): error is AccessDeniedError {
  return AccessDeniedError.isInstance(error);
}
