import type { Attributes, Tracer } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_PALISADE_RETRIEVAL_FINDINGS,
  ATTR_PALISADE_RETRIEVAL_REDACTED,
  ATTR_PALISADE_RETRIEVAL_RETURNED,
  ATTR_PALISADE_RETRIEVAL_WITHHELD,
  ATTR_PALISADE_SESSION_LABELS,
  ATTR_USER_ID,
  OPERATION_RETRIEVAL,
} from './attributes.js';
import { type AuditEventOptions, auditEvent } from './audit-event.js';

/** What the retrieval guard did with one retrieval. */
export interface RetrievalEvent {
  /** The retriever or data source. */
  readonly source: string;
  /** Documents the retriever returned. */
  readonly returned: number;
  /** Documents withheld (not permitted, stale, unprovenanced, injected). */
  readonly withheld: number;
  /** Documents passed on with parts redacted. */
  readonly redacted?: number | undefined;
  /** Detector findings, by kind (`injection`, `pii`, `secret`). */
  readonly findings?: readonly string[] | undefined;
  /** Labels the retrieval put on the session (`tainted`). */
  readonly labels?: readonly string[] | undefined;
  readonly callId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly userId?: string | undefined;
}

/**
 * Records what the retrieval guard let through as a `retrieval {source}` span. Document content is
 * never recorded, only counts and findings.
 *
 * @example
 * ```ts
 * recordRetrievalSpan(tracer, { source: 'tickets', returned: 5, withheld: 1, findings: ['injection'], labels: ['tainted'] });
 * ```
 */
export function recordRetrievalSpan(
  tracer: Tracer | undefined,
  event: RetrievalEvent,
  options?: AuditEventOptions,
): void {
  if (typeof event?.source !== 'string' || event.source === '') {
    throw new TypeError('recordRetrievalSpan(): event.source must be a non-empty string');
  }
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: OPERATION_RETRIEVAL,
    [ATTR_GEN_AI_DATA_SOURCE_ID]: event.source,
    [ATTR_PALISADE_RETRIEVAL_RETURNED]: event.returned,
    [ATTR_PALISADE_RETRIEVAL_WITHHELD]: event.withheld,
  };
  if (event.redacted !== undefined) attributes[ATTR_PALISADE_RETRIEVAL_REDACTED] = event.redacted;
  if (event.findings !== undefined) attributes[ATTR_PALISADE_RETRIEVAL_FINDINGS] = [...event.findings];
  if (event.labels !== undefined) attributes[ATTR_PALISADE_SESSION_LABELS] = [...event.labels];
  if (event.callId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = event.callId;
  if (event.agentId !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = event.agentId;
  if (event.userId !== undefined) attributes[ATTR_USER_ID] = event.userId;
  auditEvent(tracer, `${OPERATION_RETRIEVAL} ${event.source}`, attributes, options);
}
