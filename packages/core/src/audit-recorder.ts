import type { ActionKind, ActionRequest, Effect } from './action-request.js';
import type { Decision } from './decision.js';

/** What is known about a call before anything is checked. */
export interface CallDescriptor {
  readonly kind: ActionKind;
  readonly name: string;
  readonly effect: Effect;
  readonly callId: string;
  readonly target?: string | undefined;
}

/** How a call ended. */
export type CallOutcome =
  | { readonly status: 'ok'; readonly output?: unknown }
  | { readonly status: 'denied'; readonly error: Error }
  | { readonly status: 'pending-approval'; readonly error: Error }
  | { readonly status: 'error'; readonly error: Error };

/** What else is known when the intent is recorded. */
export interface IntentDetails {
  /** The approval consumed for this exact call, when a human approved it. */
  readonly approvalId?: string | undefined;
}

/** The record of one call in progress. */
export interface AuditScope {
  /** The request was built and decided. */
  decided(request: ActionRequest, decision: Decision): void;
  /**
   * Durably records the intent to execute. Called after every check passed and before the tool
   * body runs; if it rejects, the call is denied.
   */
  intent(request: ActionRequest, decision: Decision, details?: IntentDetails): Promise<void>;
  /** The call ended; called exactly once per call, whatever the outcome. */
  result(outcome: CallOutcome): void | Promise<void>;
}

/**
 * Records every guarded call. `record` runs the whole call inside its scope (an OpenTelemetry span,
 * say) so work done by the tool body nests under it.
 */
export interface AuditRecorder {
  record<T>(call: CallDescriptor, run: (scope: AuditScope) => Promise<T>): Promise<T>;
}
