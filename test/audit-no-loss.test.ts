/**
 * Nothing unlogged: 100,000 concurrent guarded calls through the real guard() loop, in strict mode
 * to a file chain, with spans going to an OTLP receiver on loopback. The chain must hold exactly one
 * intent and one result per call, intent first, and verify; the receiver must get every span.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAuditChain,
  createFileChainStore,
  createOtelRecorder,
  verifyAuditChain,
} from '@palisade/audit';
import { setupAudit } from '@palisade/audit/setup';
import { guard } from '@palisade/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyInput, decider, verifier } from './audit-fixtures.js';
import { type OtlpReceiver, startOtlpReceiver } from './audit-otlp-receiver.js';

const CALLS = 100_000;

describe('no loss under 100,000 concurrent guarded calls', () => {
  let receiver: OtlpReceiver;
  let dir: string;
  beforeAll(async () => {
    receiver = await startOtlpReceiver({ keepAttributes: ['gen_ai.tool.call.id'] });
    dir = mkdtempSync(join(tmpdir(), 'palisade-no-loss-'));
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every intent and result in order, and exports every span', { timeout: 180_000 }, async () => {
    const path = join(dir, 'audit.jsonl');
    const audit = await setupAudit({
      exporter: 'otlp',
      url: receiver.url,
      batch: { maxExportBatchSize: 2048 },
    });
    const chain = createAuditChain({ store: createFileChainStore({ path }), checkpointIntervalMillis: 0 });
    const recorder = createOtelRecorder({ chain, strict: true });
    let executed = 0;
    const update = guard(
      {
        name: 'update_ticket',
        description: 'Update a ticket',
        inputSchema: anyInput,
        effect: 'write',
        async execute(input) {
          executed += 1;
          return input.n;
        },
      },
      // 100,000 callers queue behind one another's durable records: the records' deadlines are
      // set for that queue, not for one call.
      { verifier, decider: decider(), recorder, deadlines: { intent: 170_000, record: 170_000 } },
    );

    const results = await Promise.all(
      Array.from({ length: CALLS }, (_, n) =>
        update.call({ n }, { credential: 'token', callId: `call-${n}` }),
      ),
    );
    expect(results).toHaveLength(CALLS);
    expect(executed).toBe(CALLS);
    await chain.close();
    await audit.shutdown();

    // The chain: exactly one intent and one result per call, the intent first.
    const intentAt = new Map<string, number>();
    const resultAt = new Map<string, number>();
    const problems: string[] = [];
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    for (const line of lines) {
      const record = JSON.parse(line) as {
        seq: number;
        type: string;
        data: { callId: string; status?: string };
      };
      const seen = record.type === 'intent' ? intentAt : resultAt;
      if (seen.has(record.data.callId))
        problems.push(`${record.type} of ${record.data.callId} recorded twice`);
      seen.set(record.data.callId, record.seq);
      if (record.type !== 'result') continue;
      if (record.data.status !== 'ok') problems.push(`${record.data.callId} ended ${record.data.status}`);
      if (!((intentAt.get(record.data.callId) ?? Number.POSITIVE_INFINITY) < record.seq)) {
        problems.push(`the result of ${record.data.callId} precedes its intent`);
      }
    }
    expect(problems).toEqual([]);
    expect(intentAt.size).toBe(CALLS);
    expect(resultAt.size).toBe(CALLS);
    expect(lines).toHaveLength(2 * CALLS);
    expect(await verifyAuditChain(createFileChainStore({ path }))).toMatchObject({
      ok: true,
      records: 2 * CALLS,
    });

    // The collector: every span, once.
    const callIds = new Set(receiver.spans.map((span) => span.attributes['gen_ai.tool.call.id']));
    expect(receiver.spans).toHaveLength(CALLS);
    expect(callIds.size).toBe(CALLS);
    expect(audit.dropped()).toBe(0);
  });
});
