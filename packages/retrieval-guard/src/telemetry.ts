/** Attribute values a span takes (the subset of OpenTelemetry's `AttributeValue` used here). */
export type SpanAttributeValue = string | number | boolean | string[];

/** The part of an OpenTelemetry `Span` the guard uses; an OTel span satisfies it. */
export interface SpanLike {
  setAttribute(key: string, value: SpanAttributeValue): unknown;
  setStatus?(status: { code: number; message?: string }): unknown;
  end(): void;
}

/**
 * The part of an OpenTelemetry `Tracer` the guard uses, so this package needs no OTel dependency:
 * pass `trace.getTracer('my-app')` from `@opentelemetry/api`.
 */
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: Record<string, SpanAttributeValue> }): SpanLike;
}

/** Span attribute names, shared with `@palisade/audit` where it defines the same ones. */
export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_DATA_SOURCE_ID = 'gen_ai.data_source.id';
export const ATTR_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_USER_ID = 'user.id';
export const ATTR_SESSION_LABELS = 'palisade.session.labels';
export const ATTR_RETRIEVAL_RETURNED = 'palisade.retrieval.returned';
export const ATTR_RETRIEVAL_WITHHELD = 'palisade.retrieval.withheld';
export const ATTR_RETRIEVAL_REDACTED = 'palisade.retrieval.redacted';
export const ATTR_RETRIEVAL_FINDINGS = 'palisade.retrieval.findings';
export const ATTR_RETRIEVAL_QUARANTINED = 'palisade.retrieval.quarantined';
export const ATTR_RETRIEVAL_DELIVERED = 'palisade.retrieval.delivered';
export const ATTR_RETRIEVAL_ROUNDS = 'palisade.retrieval.rounds';
export const ATTR_RETRIEVAL_QUERY = 'palisade.retrieval.query';
/** `span status` code for an error, as in OpenTelemetry's `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2;
