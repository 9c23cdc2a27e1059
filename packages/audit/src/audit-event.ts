import { type Attributes, diag, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, AUDIT_TRACER_NAME } from './attributes.js';
import type { AuditChain } from './audit-chain.js';
import { AUDIT_VERSION } from './internal/version.js';

/** Options of `auditEvent`. */
export interface AuditEventOptions {
  /** Also append the event to this tamper-evident chain (best-effort: failures go to `diag`). */
  readonly chain?: AuditChain | undefined;
  /** The event is a failure: the span gets an error status with this message. */
  readonly error?: Error | string | undefined;
}

/**
 * Records one audit event (an approval decided, a token revoked, a policy reloaded) as a span that
 * starts and ends at once, under whatever span is active; with a `chain`, also as an `event` record.
 * Packages that take an optional tracer call this; with no tracer, the global provider's
 * `@palisade/audit` tracer is used, which does nothing until an SDK is registered.
 *
 * @example
 * ```ts
 * auditEvent(tracer, 'palisade.policy.reload', { 'palisade.policy.version': version });
 * ```
 */
export function auditEvent(
  tracer: Tracer | undefined,
  name: string,
  attributes: Attributes,
  options: AuditEventOptions = {},
): void {
  if (typeof name !== 'string' || name === '')
    throw new TypeError('auditEvent(): name must be a non-empty string');
  const active = tracer ?? trace.getTracer(AUDIT_TRACER_NAME, AUDIT_VERSION);
  const span = active.startSpan(name, { kind: SpanKind.INTERNAL, attributes });
  const { error } = options;
  if (error !== undefined) {
    const message = typeof error === 'string' ? error : error.message;
    const code = typeof error === 'string' ? undefined : (error as { code?: unknown }).code;
    span.setAttribute(
      ATTR_ERROR_TYPE,
      typeof code === 'string' ? code : typeof error === 'string' ? 'error' : error.name,
    );
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  span.end();
  if (options.chain) {
    const data: Record<string, unknown> = { name, attributes: { ...attributes } };
    if (error !== undefined) data.error = typeof error === 'string' ? error : error.message;
    options.chain
      .append({ type: 'event', data })
      .catch((failure: unknown) =>
        diag.error(`@palisade/audit: the "${name}" event could not be chained`, failure),
      );
  }
}
