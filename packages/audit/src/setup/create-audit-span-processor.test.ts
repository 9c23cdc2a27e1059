import type { ExportResult } from '@opentelemetry/core';
import { type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createAuditSpanProcessor } from './create-audit-span-processor.js';

/** An exporter that answers later, counting what it holds at once. */
function slowExporter(fail = false) {
  const received: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const batches: number[] = [];
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push(spans.length);
      setTimeout(() => {
        inFlight -= 1;
        if (fail) return done({ code: 1, error: new Error('collector unavailable') });
        for (const span of spans) received.push(span.name);
        done({ code: 0 });
      }, 2);
    },
    shutdown: async () => {},
  };
  return { exporter, received, batches, maxInFlight: () => maxInFlight };
}

describe('createAuditSpanProcessor', () => {
  it('delivers a burst far beyond the SDK queue of 2,048, in batches, with bounded concurrency', async () => {
    const slow = slowExporter();
    const processor = createAuditSpanProcessor({
      exporter: slow.exporter,
      maxExportBatchSize: 500,
      maxConcurrentExports: 3,
    });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('burst');
    for (let index = 0; index < 10_000; index += 1) tracer.startSpan(`span-${index}`).end();
    await processor.forceFlush();
    expect(slow.received).toHaveLength(10_000);
    expect(new Set(slow.received).size).toBe(10_000);
    expect(Math.max(...slow.batches)).toBe(500);
    expect(slow.maxInFlight()).toBeLessThanOrEqual(3);
    expect(processor.dropped()).toBe(0);
  });

  it('exports a partial batch after the scheduled delay, and everything on shutdown', async () => {
    const slow = slowExporter();
    const processor = createAuditSpanProcessor({ exporter: slow.exporter, scheduledDelayMillis: 5 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    tracer.startSpan('early').end();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(slow.received).toEqual(['early']);
    tracer.startSpan('late').end();
    await processor.shutdown();
    expect(slow.received).toEqual(['early', 'late']);
    tracer.startSpan('after shutdown').end();
    expect(slow.received).toEqual(['early', 'late']);
  });

  it('counts spans it could not deliver: exporter failures and the hard ceiling', async () => {
    const failing = slowExporter(true);
    const processor = createAuditSpanProcessor({
      exporter: failing.exporter,
      maxQueueSize: 10,
      maxExportBatchSize: 100,
    });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    for (let index = 0; index < 15; index += 1) tracer.startSpan(`s${index}`).end();
    await processor.forceFlush();
    expect(processor.dropped()).toBe(15);
  });

  it('validates its options', () => {
    const { exporter } = slowExporter();
    expect(() => createAuditSpanProcessor({} as never)).toThrow(/exporter/);
    expect(() => createAuditSpanProcessor({ exporter, maxExportBatchSize: 0 })).toThrow(/maxExportBatchSize/);
    expect(() => createAuditSpanProcessor({ exporter, maxConcurrentExports: 1.5 })).toThrow(
      /maxConcurrentExports/,
    );
  });
});
