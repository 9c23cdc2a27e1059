/**
 * The behaviour feed: the recorder streams every decision to the policy package's behaviour monitor,
 * whose alerts and risk scores then show up in the audit spans of later calls.
 */

import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createOtelRecorder } from '@palisade/audit';
import { guard } from '@palisade/core';
import { type BehaviourAlert, createBehaviourMonitor } from '@palisade/policy';
import { describe, expect, it } from 'vitest';
import { anyInput, decider, verifier } from './audit-fixtures.js';

describe('behaviour feed', () => {
  it('lets the monitor learn from audited decisions and raise alerts on first use and mass reads', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const monitor = createBehaviourMonitor({ warmup: 5, alertThreshold: 0.5 });
    const alerts: BehaviourAlert[] = [];
    monitor.on('alert', (alert) => alerts.push(alert));
    const recorder = createOtelRecorder({ tracer: provider.getTracer('test'), observers: [monitor] });
    const enforcement = { verifier, decider: decider(), recorder, riskScorer: monitor };
    const search = guard(
      {
        name: 'search_tickets',
        description: 'Search',
        inputSchema: anyInput,
        effect: 'read',
        execute: () => [],
      },
      enforcement,
    );
    const exportCustomers = guard(
      {
        name: 'export_customers',
        description: 'Export',
        inputSchema: anyInput,
        effect: 'read',
        execute: () => [],
      },
      enforcement,
    );

    for (let index = 0; index < 8; index += 1) await search.call({ limit: 10 }, { credential: 'token' });
    expect(alerts).toEqual([]);
    await exportCustomers.call({ limit: 10 }, { credential: 'token' });
    await search.call({ limit: 5000 }, { credential: 'token' });

    expect(alerts.map((alert) => [alert.request.name, alert.signals.map((signal) => signal.name)])).toEqual([
      ['export_customers', [expect.stringMatching(/first/i)]],
      ['search_tickets', [expect.stringMatching(/read|size/i)]],
    ]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(10);
    expect(spans[0]!.attributes['palisade.risk']).toBe(0);
    expect(Number(spans[8]!.attributes['palisade.risk'])).toBeGreaterThanOrEqual(0.5);
    expect(Number(spans[9]!.attributes['palisade.risk'])).toBeGreaterThanOrEqual(0.5);
  });
});
