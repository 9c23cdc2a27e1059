import type { ActionRequest, AuditRecorder, CallDescriptor, CallOutcome, Decision } from '@palisade/core';

/** What to record about a call settled outside `guard()`. */
export interface SettledCall {
  readonly call: CallDescriptor;
  readonly request?: ActionRequest | undefined;
  readonly decision?: Decision | undefined;
  /** Record the intent to execute (the call will run elsewhere, by the provider). */
  readonly intent?: boolean | undefined;
  /** The approval consumed for this exact call, recorded with the intent. */
  readonly approvalId?: string | undefined;
  readonly outcome: CallOutcome;
}

/**
 * Records a call that was settled by the tool approval check rather than by `guard()`: a deny, a
 * proposal for human approval, or the allow (or the consumed approval) of a tool that Palisade
 * cannot wrap. Rejects when the recorder fails, so that the caller can deny.
 */
export async function recordOutcome(recorder: AuditRecorder, settled: SettledCall): Promise<void> {
  await recorder.record(settled.call, async (scope) => {
    if (settled.request && settled.decision) {
      scope.decided(settled.request, settled.decision);
      if (settled.intent) {
        await scope.intent(settled.request, settled.decision, { approvalId: settled.approvalId });
      }
    }
    await scope.result(settled.outcome);
  });
}
