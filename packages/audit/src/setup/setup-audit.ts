import { type Attributes, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { type AuditSpanProcessorOptions, createAuditSpanProcessor } from './create-audit-span-processor.js';
import { createJsonLinesSpanExporter } from './json-lines-span-exporter.js';

/** Options of `setupAudit`. */
export interface SetupAuditOptions {
  /**
   * Where spans go: `otlp` (OTLP over HTTP, JSON encoding, to `url`), `jsonl` (one JSON object per
   * line appended to `path`), or any SDK `SpanExporter`.
   */
  readonly exporter: 'otlp' | 'jsonl' | SpanExporter;
  /** OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`. Defaults to the exporter's (`OTEL_EXPORTER_OTLP_*` or localhost:4318). */
  readonly url?: string | undefined;
  /** Headers for the OTLP endpoint (an API key, say). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The JSON-lines file, for `exporter: 'jsonl'`. */
  readonly path?: string | undefined;
  /** `service.name` of the resource. Defaults to `palisade`. */
  readonly serviceName?: string | undefined;
  /** Further resource attributes (`deployment.environment.name`, ...). */
  readonly resourceAttributes?: Attributes | undefined;
  /** Tuning of the batching processor. */
  readonly batch?: Omit<AuditSpanProcessorOptions, 'exporter'> | undefined;
  /** Further span processors, run beside the exporting one. */
  readonly spanProcessors?: readonly SpanProcessor[] | undefined;
}

/** What `setupAudit` started. */
export interface AuditSetup {
  /** Exports every span finished so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left, stops the SDK and unregisters it from the OpenTelemetry API. */
  shutdown(): Promise<void>;
  /** Spans that could not be delivered. */
  dropped(): number;
}

/**
 * Starts the OpenTelemetry Node SDK (`@opentelemetry/sdk-node`) so Palisade's spans reach an OTLP
 * collector or a local JSON-lines file, batched without drops. Only traces are set up; metrics and
 * logs stay off. Call `shutdown()` before the process exits: it flushes.
 *
 * Fails loudly rather than auditing nothing: it throws when `OTEL_SDK_DISABLED` is set, when another
 * tracer provider is already registered (add `createAuditSpanProcessor` to that one instead), and
 * when the configured sampler would drop Palisade's spans.
 *
 * @example
 * ```ts
 * import { setupAudit } from '@palisade/audit/setup';
 *
 * const audit = await setupAudit({ exporter: 'otlp', url: 'http://localhost:4318/v1/traces', serviceName: 'support-bot' });
 * // ... run the agent ...
 * await audit.shutdown();
 * ```
 */
export async function setupAudit(options: SetupAuditOptions): Promise<AuditSetup> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('setupAudit(): options must be an object');
  const exporter = createExporter(options);
  const extra = [...(options.spanProcessors ?? [])];
  for (const [index, processor] of extra.entries()) {
    if (typeof processor?.onEnd !== 'function') {
      throw new TypeError(`setupAudit(): options.spanProcessors[${index}] must be a SpanProcessor`);
    }
  }
  if (
    options.serviceName !== undefined &&
    (typeof options.serviceName !== 'string' || options.serviceName === '')
  ) {
    throw new TypeError('setupAudit(): options.serviceName must be a non-empty string');
  }
  if (/^true$/i.test(process.env.OTEL_SDK_DISABLED?.trim() ?? '')) {
    throw new Error(
      'setupAudit(): OTEL_SDK_DISABLED is set, which would silently drop every audit span; unset it',
    );
  }
  if (isTracing()) {
    throw new Error(
      'setupAudit(): an OpenTelemetry tracer provider is already registered; add createAuditSpanProcessor() to it instead',
    );
  }
  const processor = createAuditSpanProcessor({ ...options.batch, exporter });
  const sdk = new NodeSDK({
    autoDetectResources: false,
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...options.resourceAttributes,
        'service.name': options.serviceName ?? 'palisade',
      }),
    ),
    spanProcessors: [processor, ...extra],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  if (!isTracing()) {
    await sdk.shutdown();
    unregister();
    throw new Error('setupAudit(): the configured sampler (OTEL_TRACES_SAMPLER) would drop Palisade spans');
  }
  let stopped: Promise<void> | undefined;
  return {
    forceFlush: () => processor.forceFlush(),
    shutdown() {
      stopped ??= sdk.shutdown().finally(unregister);
      return stopped;
    },
    dropped: () => processor.dropped(),
  };
}

function createExporter(options: SetupAuditOptions): SpanExporter {
  const { exporter } = options;
  if (exporter === 'jsonl') {
    if (typeof options.path !== 'string' || options.path === '') {
      throw new TypeError("setupAudit(): exporter 'jsonl' needs options.path");
    }
    return createJsonLinesSpanExporter({ path: options.path });
  }
  if (exporter === 'otlp') {
    if (options.url !== undefined) {
      try {
        new URL(options.url);
      } catch {
        throw new TypeError(`setupAudit(): options.url is not a URL: ${JSON.stringify(options.url)}`);
      }
    }
    return new OTLPTraceExporter({
      ...(options.url === undefined ? {} : { url: options.url }),
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    });
  }
  if (typeof exporter === 'object' && exporter !== null && typeof exporter.export === 'function')
    return exporter;
  throw new TypeError("setupAudit(): options.exporter must be 'otlp', 'jsonl' or a SpanExporter");
}

/**
 * Whether the global tracer provider records spans. The probe span is never ended, so no processor
 * ever exports it.
 */
function isTracing(): boolean {
  return trace.getTracer('@palisade/audit/setup').startSpan('palisade.audit.probe').isRecording();
}

function unregister(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}
