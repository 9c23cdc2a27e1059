/**
 * Writes the active trace context into a carrier (W3C `traceparent`, `tracestate`, ...). The guarded
 * client calls it inside the call's span and copies the carrier into the request's `_meta`.
 *
 * @example
 * ```ts
 * import { context, propagation } from '@opentelemetry/api';
 * const inject: TraceContextInjector = (carrier) => propagation.inject(context.active(), carrier);
 * ```
 */
export type TraceContextInjector = (carrier: Record<string, string>) => void | Promise<void>;

/**
 * Runs `run` inside the trace context found in a carrier (the request's `_meta`), so the server's
 * spans join the client's trace.
 *
 * @example
 * ```ts
 * import { context, propagation } from '@opentelemetry/api';
 * const extract: TraceContextExtractor = (carrier, run) =>
 *   context.with(propagation.extract(context.active(), carrier), run);
 * ```
 */
export type TraceContextExtractor = <T>(
  carrier: Readonly<Record<string, unknown>>,
  run: () => Promise<T>,
) => Promise<T>;
