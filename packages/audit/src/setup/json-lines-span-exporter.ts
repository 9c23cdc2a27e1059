import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Attributes, type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Options of `createJsonLinesSpanExporter`. */
export interface JsonLinesSpanExporterOptions {
  /** The file to append to; created (with its directory) when missing. */
  readonly path: string;
  /** fsync after every export, so a crash loses nothing already exported. Defaults to false. */
  readonly fsync?: boolean | undefined;
}

/** One span as it is written: one JSON object per line. */
export interface JsonSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string | undefined;
  readonly name: string;
  readonly kind: string;
  /** ISO 8601 start time. */
  readonly startTime: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly durationMs: number;
  readonly status: { readonly code: 'UNSET' | 'OK' | 'ERROR'; readonly message?: string | undefined };
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{
    readonly name: string;
    readonly timeUnixNano: string;
    readonly attributes?: Attributes | undefined;
  }>;
  readonly links: ReadonlyArray<{
    readonly traceId: string;
    readonly spanId: string;
    readonly attributes?: Attributes | undefined;
  }>;
  readonly resource: Attributes;
  readonly scope: { readonly name: string; readonly version?: string | undefined };
}

const SUCCESS = 0 satisfies ExportResultCode;
const FAILED = 1 satisfies ExportResultCode;

/**
 * Creates a span exporter that appends each span as one JSON object per line to a local file: the
 * embedded alternative to an OTLP collector, readable with `jq` and by `palisade audit tail`.
 *
 * @example
 * ```ts
 * import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
 * import { createJsonLinesSpanExporter } from '@palisade/audit/setup';
 *
 * const exporter = createJsonLinesSpanExporter({ path: '.palisade/spans.jsonl' });
 * const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
 * ```
 */
export function createJsonLinesSpanExporter(options: JsonLinesSpanExporterOptions): SpanExporter {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.path !== 'string' ||
    options.path === ''
  ) {
    throw new TypeError('createJsonLinesSpanExporter(): options.path must be a non-empty string');
  }
  if (options.fsync !== undefined && typeof options.fsync !== 'boolean') {
    throw new TypeError('createJsonLinesSpanExporter(): options.fsync must be a boolean');
  }
  const path = resolve(options.path);
  const fsync = options.fsync === true;
  let handle: Promise<FileHandle> | undefined;
  // Exports may overlap (a simple processor does not wait); a promise chain keeps lines in order.
  let pending: Promise<void> = Promise.resolve();
  let closed = false;

  function file(): Promise<FileHandle> {
    if (!handle) {
      mkdirSync(dirname(path), { recursive: true });
      handle = open(path, 'a');
    }
    return handle;
  }

  async function write(text: string): Promise<void> {
    const target = await file();
    await target.appendFile(text, 'utf8');
    if (fsync) await target.sync();
  }

  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (closed) {
        resultCallback({ code: FAILED, error: new Error('The JSON-lines span exporter is shut down') });
        return;
      }
      let text: string;
      try {
        text = spans.map((span) => `${JSON.stringify(toJsonSpan(span))}\n`).join('');
      } catch (error) {
        resultCallback({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        return;
      }
      pending = pending.then(() =>
        write(text).then(
          () => resultCallback({ code: SUCCESS }),
          (error: unknown) =>
            resultCallback({
              code: FAILED,
              error: error instanceof Error ? error : new Error(String(error)),
            }),
        ),
      );
    },
    async forceFlush(): Promise<void> {
      await pending;
    },
    async shutdown(): Promise<void> {
      closed = true;
      await pending;
      if (handle) {
        const opened = await handle;
        handle = undefined;
        await opened.close();
      }
    },
  };
}

/**
 * Converts an SDK span to the JSON form the exporter writes.
 *
 * @example
 * ```ts
 * const line = JSON.stringify(toJsonSpan(readableSpan));
 * ```
 */
export function toJsonSpan(span: ReadableSpan): JsonSpan {
  const context = span.spanContext();
  const status = span.status;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: SpanKind[span.kind] ?? String(span.kind),
    startTime: new Date(hrTimeToMilliseconds(span.startTime)).toISOString(),
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    durationMs: hrTimeToMilliseconds(span.duration),
    status: {
      code:
        status.code === SpanStatusCode.ERROR ? 'ERROR' : status.code === SpanStatusCode.OK ? 'OK' : 'UNSET',
      message: status.message,
    },
    attributes: span.attributes,
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: hrTimeToNanos(event.time),
      attributes: event.attributes,
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: link.attributes,
    })),
    resource: span.resource.attributes as Attributes,
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version },
  };
}

function hrTimeToNanos([seconds, nanos]: HrTime): string {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}

function hrTimeToMilliseconds([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}
