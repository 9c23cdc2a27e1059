import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtelRecorder } from '../create-otel-recorder.js';
import { deciderFor, tool, verifier } from '../test-support/fixtures.js';
import { createJsonLinesSpanExporter, type JsonSpan } from './json-lines-span-exporter.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-jsonl-'));
  dirs.push(dir);
  return join(dir, 'nested', 'spans.jsonl');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readSpans(path: string): JsonSpan[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JsonSpan);
}

describe('createJsonLinesSpanExporter', () => {
  it('writes one JSON object per span per line, in order, through a simple processor', async () => {
    const path = tempFile();
    const exporter = createJsonLinesSpanExporter({ path });
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const recorder = createOtelRecorder({ tracer: provider.getTracer('demo') });
    const enforcement = { verifier, decider: deciderFor({ deny: ['send_email'] }), recorder };
    await tool('get_ticket', 'read', enforcement, () => 'ok').call(
      { id: 1 },
      { credential: 'good-token', callId: 'a' },
    );
    await tool('send_email', 'send', enforcement, () => 'sent')
      .call({ to: 'x@evil.example' }, { credential: 'good-token', callId: 'b' })
      .catch(() => undefined);
    await provider.shutdown();

    const spans = readSpans(path);
    expect(spans.map((span) => [span.name, span.status.code, span.attributes['palisade.decision']])).toEqual([
      ['execute_tool get_ticket', 'UNSET', 'allow'],
      ['execute_tool send_email', 'ERROR', 'deny'],
    ]);
    const [first] = spans;
    expect(first).toMatchObject({
      kind: 'INTERNAL',
      scope: { name: 'demo' },
      attributes: { 'gen_ai.tool.call.id': 'a', 'user.id': 'alice', 'user.roles': ['support', 'refunds'] },
    });
    expect(first!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(first!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(first!.parentSpanId).toBeUndefined();
    expect(Number.isNaN(Date.parse(first!.startTime))).toBe(false);
    expect(BigInt(first!.endTimeUnixNano) >= BigInt(first!.startTimeUnixNano)).toBe(true);
    expect(first!.resource['service.name']).toBeTypeOf('string');
  });

  it('appends to an existing file and reports failure after shutdown', async () => {
    const path = tempFile();
    for (const name of ['one', 'two']) {
      const exporter = createJsonLinesSpanExporter({ path, fsync: true });
      const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      const span = provider.getTracer('t').startSpan(name);
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
      await provider.shutdown();
      const results: number[] = [];
      exporter.export([], (result) => results.push(result.code));
      expect(results).toEqual([1]);
    }
    expect(readSpans(path).map((span) => [span.name, span.status.code])).toEqual([
      ['one', 'OK'],
      ['two', 'OK'],
    ]);
  });

  it('rejects a missing path', () => {
    expect(() => createJsonLinesSpanExporter({} as never)).toThrow(/options.path/);
    expect(() => createJsonLinesSpanExporter({ path: 'x', fsync: 'yes' as never })).toThrow(/fsync/);
  });
});
