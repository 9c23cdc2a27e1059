import type { Attributes, Tracer } from '@opentelemetry/api';
import type { ApprovalTraceEvent } from '@palisade/core';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_PALISADE_APPROVAL_DIGEST,
  ATTR_PALISADE_APPROVAL_ID,
  ATTR_PALISADE_APPROVAL_REVIEWER,
  ATTR_PALISADE_APPROVAL_STATUS,
  ATTR_PALISADE_POLICY_VERSION,
  ATTR_PALISADE_RULE_IDS,
  ATTR_USER_ID,
  SPAN_APPROVAL_CONSUME,
  SPAN_APPROVAL_DECISION,
  SPAN_APPROVAL_REQUEST,
} from './attributes.js';
import { type AuditEventOptions, auditEvent } from './audit-event.js';

/** One step in an approval's life: core's `ApprovalTraceEvent`. */
export type ApprovalEvent = ApprovalTraceEvent;

const NAMES = {
  request: SPAN_APPROVAL_REQUEST,
  decision: SPAN_APPROVAL_DECISION,
  consume: SPAN_APPROVAL_CONSUME,
};

/**
 * Records an approval request, decision or consumption as a `palisade.approval.*` span. The payload
 * itself is never recorded: the digest identifies it.
 *
 * @example
 * ```ts
 * recordApprovalSpan(tracer, { phase: 'decision', approvalId, digest, tool: 'refund', status: 'approved', reviewer: 'bob' });
 * ```
 */
export function recordApprovalSpan(
  tracer: Tracer | undefined,
  event: ApprovalEvent,
  options?: AuditEventOptions,
): void {
  const name = NAMES[event?.phase];
  if (!name) throw new TypeError('recordApprovalSpan(): event.phase must be request, decision or consume');
  const attributes: Attributes = {
    [ATTR_PALISADE_APPROVAL_ID]: event.approvalId,
    [ATTR_PALISADE_APPROVAL_DIGEST]: event.digest,
    [ATTR_PALISADE_APPROVAL_STATUS]: event.status,
    [ATTR_GEN_AI_TOOL_NAME]: event.tool,
  };
  if (event.callId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = event.callId;
  if (event.agentId !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = event.agentId;
  if (event.userId !== undefined) attributes[ATTR_USER_ID] = event.userId;
  if (event.reviewer !== undefined) attributes[ATTR_PALISADE_APPROVAL_REVIEWER] = event.reviewer;
  if (event.ruleIds !== undefined) attributes[ATTR_PALISADE_RULE_IDS] = [...event.ruleIds];
  if (event.policyVersion !== undefined) attributes[ATTR_PALISADE_POLICY_VERSION] = event.policyVersion;
  auditEvent(tracer, name, attributes, options);
}
