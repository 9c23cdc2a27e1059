import type { ApprovalRequest, ApprovalTraceEvent } from '@palisade/core';
import type { ApprovalRejection, ApprovalService } from './approval-service.js';

export type { ApprovalTraceEvent } from '@palisade/core';

/**
 * Turns a service's events into `ApprovalTraceEvent`s. The request and consumption events are
 * emitted inside the guarded call (so a span recorded by `listener` nests under the tool call's
 * span); decisions and expiries happen elsewhere and carry the call id and approval id to join on.
 * Returns a function that stops observing. A throwing listener is reported as `approval-error`.
 *
 * @example
 * ```ts
 * import { recordApprovalSpan } from '@palisade/audit';
 * observeApprovals(service, (event) => recordApprovalSpan(tracer, event, { error: event.error }));
 * ```
 */
export function observeApprovals(
  service: ApprovalService,
  listener: (event: ApprovalTraceEvent) => void,
): () => void {
  if (typeof service?.events?.on !== 'function')
    throw new TypeError('observeApprovals(): service must be an ApprovalService');
  if (typeof listener !== 'function') throw new TypeError('observeApprovals(): listener must be a function');

  const base = (
    request: ApprovalRequest,
    phase: ApprovalTraceEvent['phase'],
    status: string,
  ): ApprovalTraceEvent =>
    withoutUndefined({
      phase,
      approvalId: request.id,
      digest: request.digest,
      tool: request.tool,
      status,
      callId: request.callId,
      agentId: request.agent.id,
      userId: request.user?.id,
      ruleIds: request.policy?.ruleIds,
      policyVersion: request.policy?.policyVersion,
    });

  const handlers = {
    'approval-request': (request: ApprovalRequest) => listener(base(request, 'request', 'pending')),
    'approval-response': (request: ApprovalRequest) =>
      listener({ ...base(request, 'decision', request.status), reviewer: request.decision?.approver }),
    'approval-expire': (request: ApprovalRequest) => listener(base(request, 'decision', 'expired')),
    'approval-cancel': (request: ApprovalRequest) => listener(base(request, 'decision', 'cancelled')),
    'approval-consume': (request: ApprovalRequest) => listener(base(request, 'consume', 'consumed')),
    'approval-reject': (rejection: ApprovalRejection) =>
      listener(
        withoutUndefined({
          ...(rejection.request ? base(rejection.request, 'consume', 'rejected') : {}),
          phase: 'consume' as const,
          approvalId: rejection.approvalId,
          // The digest of the call that tried, which differs from the approved one when tampered.
          digest: rejection.digest,
          tool: rejection.request?.tool ?? '(unknown)',
          status: 'rejected',
          error: rejection.message,
        }),
      ),
  };
  const { events } = service;
  events.on('approval-request', handlers['approval-request']);
  events.on('approval-response', handlers['approval-response']);
  events.on('approval-expire', handlers['approval-expire']);
  events.on('approval-cancel', handlers['approval-cancel']);
  events.on('approval-consume', handlers['approval-consume']);
  events.on('approval-reject', handlers['approval-reject']);
  return () => {
    events.off('approval-request', handlers['approval-request']);
    events.off('approval-response', handlers['approval-response']);
    events.off('approval-expire', handlers['approval-expire']);
    events.off('approval-cancel', handlers['approval-cancel']);
    events.off('approval-consume', handlers['approval-consume']);
    events.off('approval-reject', handlers['approval-reject']);
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
