import { type Context, context, createContextKey, diag, TraceFlags } from '@opentelemetry/api';
import type { ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Options of `createAuditSpanProcessor`. */
export interface AuditSpanProcessorOptions {
  readonly exporter: SpanExporter;
  /** Spans per export. Defaults to 512. */
  readonly maxExportBatchSize?: number | undefined;
  /** Longest a finished span waits before it is exported. Defaults to 200 ms. */
  readonly scheduledDelayMillis?: number | undefined;
  /** Exports in flight at once. Defaults to 4. */
  readonly maxConcurrentExports?: number | undefined;
  /**
   * Hard ceiling on queued spans, a guard against unbounded memory when the backend is gone for
   * good. Defaults to 1,000,000; spans beyond it are counted in `dropped()` and reported through
   * the OpenTelemetry diagnostic logger.
   */
  readonly maxQueueSize?: number | undefined;
}

/** A span processor that batches without dropping, and counts what it could not deliver. */
export interface AuditSpanProcessor extends SpanProcessor {
  /** Spans that were not delivered (queue ceiling reached, or the exporter reported failure). */
  dropped(): number;
}

const SUCCESS = 0 satisfies ExportResultCode;
// The same key `@opentelemetry/core` uses, so exports do not trace themselves.
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/**
 * Creates a batching span processor for audit spans. Unlike the SDK's `BatchSpanProcessor`, whose
 * queue of 2,048 silently drops spans under a burst, this one keeps every finished span until it is
 * exported (up to a high ceiling), so a burst of guarded calls reaches the collector whole.
 *
 * @example
 * ```ts
 * const processor = createAuditSpanProcessor({ exporter: new OTLPTraceExporter({ url }) });
 * const provider = new TracerProvider({ spanProcessors: [processor] });
 * ```
 */
export function createAuditSpanProcessor(options: AuditSpanProcessorOptions): AuditSpanProcessor {
  if (typeof options?.exporter?.export !== 'function') {
    throw new TypeError('createAuditSpanProcessor(): options.exporter must be a SpanExporter');
  }
  const batchSize = positiveInteger(options.maxExportBatchSize, 512, 'maxExportBatchSize');
  const delay = positiveInteger(options.scheduledDelayMillis, 200, 'scheduledDelayMillis');
  const concurrency = positiveInteger(options.maxConcurrentExports, 4, 'maxConcurrentExports');
  const ceiling = positiveInteger(options.maxQueueSize, 1_000_000, 'maxQueueSize');
  const exporter = options.exporter;

  let queue: ReadableSpan[] = [];
  let inFlight = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let shutdown = false;
  let idleWaiters: Array<() => void> = [];
  let flushing = 0;

  function drop(count: number, reason: string): void {
    dropped += count;
    diag.error(`@palisade/audit: ${count} span(s) not exported: ${reason}`);
  }

  function pump(force: boolean): void {
    while (inFlight < concurrency && queue.length > 0 && (force || queue.length >= batchSize)) {
      const batch = queue.length <= batchSize ? queue : queue.slice(0, batchSize);
      queue = queue.length <= batchSize ? [] : queue.slice(batchSize);
      send(batch);
    }
    if (queue.length > 0 && timer === undefined && inFlight < concurrency) {
      timer = setTimeout(() => {
        timer = undefined;
        pump(true);
      }, delay);
      timer.unref();
    }
    settleIdle();
  }

  function send(batch: ReadableSpan[]): void {
    inFlight += 1;
    const done = (result: ExportResult): void => {
      inFlight -= 1;
      if (result.code !== SUCCESS) drop(batch.length, result.error?.message ?? 'the exporter failed');
      pump(flushing > 0 || shutdown);
    };
    const quiet: Context = context.active().setValue(SUPPRESS_TRACING, true);
    context.with(quiet, () => {
      try {
        exporter.export(batch, done);
      } catch (error) {
        done({
          code: 1 satisfies ExportResultCode,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    });
  }

  function settleIdle(): void {
    if (queue.length === 0 && inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async function flushAll(): Promise<void> {
    flushing += 1;
    try {
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        pump(true);
      });
      await exporter.forceFlush?.();
    } finally {
      flushing -= 1;
    }
  }

  return {
    onStart() {},
    onEnd(span) {
      if (shutdown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (queue.length >= ceiling) {
        drop(1, `more than ${ceiling} spans are waiting for the exporter`);
        return;
      }
      queue.push(span);
      pump(false);
    },
    forceFlush: flushAll,
    async shutdown() {
      if (shutdown) return;
      shutdown = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flushAll();
      await exporter.shutdown();
    },
    dropped: () => dropped,
  };
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createAuditSpanProcessor(): options.${name} must be a positive integer`);
  }
  return value;
}
