import { type AccessDeniedError, ApprovalDeniedError, GuardFaultError } from '@palisade/core';

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
