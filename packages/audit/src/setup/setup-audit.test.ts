import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtelRecorder } from '../create-otel-recorder.js';
import { deciderFor, tool, verifier } from '../test-support/fixtures.js';
import type { JsonSpan } from './json-lines-span-exporter.js';
import { setupAudit } from './setup-audit.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('setupAudit', () => {
  it('starts sdk-node with the JSON-lines exporter; spans nest across awaits; shutdown flushes and unregisters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-setup-'));
    dirs.push(dir);
    const path = join(dir, 'spans.jsonl');
    const recorder = createOtelRecorder();
    const audit = await setupAudit({ exporter: 'jsonl', path, serviceName: 'support-bot' });
    const inner = trace.getTracer('app');
    const lookup = tool('lookup', 'read', { verifier, decider: deciderFor(), recorder }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      inner.startSpan('db query').end();
      return 'row';
    });
    await lookup.call({ id: 7 }, { credential: 'good-token', callId: 'call-7' });
    await audit.shutdown();
    await audit.shutdown();

    const spans = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JsonSpan);
    const ours = spans.find((span) => span.name === 'execute_tool lookup')!;
    const child = spans.find((span) => span.name === 'db query')!;
    expect(ours.resource['service.name']).toBe('support-bot');
    expect(ours.attributes['gen_ai.tool.call.id']).toBe('call-7');
    expect(child.parentSpanId).toBe(ours.spanId);
    expect(audit.dropped()).toBe(0);
    // Unregistered: a later span records nothing.
    expect(trace.getTracer('after').startSpan('x').isRecording()).toBe(false);
  });

  it('refuses to start beside another registered provider, or with the SDK disabled', async () => {
    const other = new TracerProvider();
    trace.setGlobalTracerProvider(other);
    try {
      await expect(setupAudit({ exporter: new InMemorySpanExporter() })).rejects.toThrow(
        /already registered/,
      );
    } finally {
      trace.disable();
    }
    process.env.OTEL_SDK_DISABLED = 'true';
    try {
      await expect(setupAudit({ exporter: new InMemorySpanExporter() })).rejects.toThrow(/OTEL_SDK_DISABLED/);
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });

  it('refuses a sampler that would drop the audit spans, and leaves nothing registered', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    try {
      await expect(setupAudit({ exporter: new InMemorySpanExporter() })).rejects.toThrow(/sampler/);
    } finally {
      delete process.env.OTEL_TRACES_SAMPLER;
    }
    const audit = await setupAudit({ exporter: new InMemorySpanExporter() });
    await audit.shutdown();
  });

  it('validates its options', async () => {
    await expect(setupAudit({ exporter: 'jsonl' })).rejects.toThrow(/needs options.path/);
    await expect(setupAudit({ exporter: 'zipkin' as never })).rejects.toThrow(/options.exporter/);
    await expect(setupAudit({ exporter: 'otlp', url: 'not a url' })).rejects.toThrow(/options.url/);
  });
});
