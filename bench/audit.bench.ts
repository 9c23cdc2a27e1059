/**
 * Audit benchmark: what recording costs on the guard allow path, and how fast the hash chain appends.
 *
 *   tsx --conditions=@palisade/source bench/audit.bench.ts
 *
 * Floors measured in the same run: a bare call of the tool body, one span through the no-op
 * OpenTelemetry API, one span through the SDK with a BatchSpanProcessor. Ratios are against them.
 *
 * The verifier and the decider are constant stubs, so the guard rows time the enforcement loop and
 * the audit recording alone; token verification and policy evaluation have their own benches
 * (identity, policy). Every guard row does the full audit work: the input digest (canonical JSON +
 * SHA-256), every span attribute, and with a chain the intent and result records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tracer, trace } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createAuditChain, createFileChainStore, createOtelRecorder } from '@palisade/audit';
import {
  type AuditRecorder,
  type CredentialVerifier,
  type Decider,
  type GuardedTool,
  guard,
  type Principal,
  type StandardSchemaV1,
} from '@palisade/core';

const SAMPLES = Number(process.env.AUDIT_BENCH_SAMPLES ?? 20_000);
const STRICT_SAMPLES = Number(process.env.AUDIT_BENCH_STRICT_SAMPLES ?? 2_000);
const CHAIN_RECORDS = Number(process.env.AUDIT_BENCH_CHAIN_RECORDS ?? 200_000);
const WARMUP = 2_000;

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot' },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', 'spiffe://acme.example/agent/support-bot'],
  scopes: [],
  claims: {},
};
const verifier: CredentialVerifier = { verify: async () => principal };
const decision = {
  effect: 'allow',
  reason: 'allowed',
  ruleIds: ['read-tickets'],
  policyVersion: 'sha256:v1',
  obligations: [],
} as const;
const decider: Decider = { decide: async () => decision };
const input: StandardSchemaV1<unknown, { id: string }> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value: value as { id: string } }) },
};
const body = async ({ id }: { id: string }) => ({ id, status: 'open' });

/** An exporter that accepts everything at once: the SDK's own cost, without I/O. */
const discard: SpanExporter = {
  export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
  shutdown: async () => {},
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(
  samples: number,
  fn: (index: number) => unknown,
): Promise<{ p50: number; p99: number }> {
  for (let index = 0; index < Math.min(WARMUP, samples); index += 1) await fn(index);
  const times: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const start = performance.now();
    await fn(index);
    times.push((performance.now() - start) * 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

function tool(
  recorder: AuditRecorder,
  effect: 'read' | 'write' = 'read',
): GuardedTool<{ id: string }, unknown> {
  return guard(
    { name: 'get_ticket', description: 'Read a ticket', inputSchema: input, effect, execute: body },
    {
      verifier,
      decider,
      recorder,
    },
  );
}

const silent: AuditRecorder = {
  record: (_call, run) => run({ decided() {}, async intent() {}, result() {} }),
};

const rows: Array<[string, number, number]> = [];
async function measure(name: string, samples: number, fn: (index: number) => unknown): Promise<void> {
  const { p50, p99 } = await latency(samples, fn);
  rows.push([name, p50, p99]);
}

const dir = mkdtempSync(join(tmpdir(), 'palisade-audit-bench-'));
try {
  const provider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 65_536 })],
  });
  const sdkTracer = provider.getTracer('bench');
  const noopTracer: Tracer = trace.getTracer('bench');
  const context = { credential: 'token' };

  await measure('floor: tool body, bare call', SAMPLES, (n) => body({ id: `T-${n}` }));
  await measure('floor: one span, no-op API', SAMPLES, () => noopTracer.startSpan('x').end());
  await measure('floor: one span, SDK + BatchSpanProcessor', SAMPLES, () => sdkTracer.startSpan('x').end());
  // Built once, like every other guarded tool here: building it inside the loop timed guard()'s
  // option checks on every call and inflated the baseline the audit cost is read against.
  const silentGuard = tool(silent);
  await measure('guard, recorder that records nothing', SAMPLES, (n) =>
    silentGuard.call({ id: `T-${n}` }, context),
  );
  const noopGuard = tool(createOtelRecorder({ tracer: noopTracer }));
  await measure('guard + audit spans, no-op API', SAMPLES, (n) => noopGuard.call({ id: `T-${n}` }, context));
  const sdkGuard = tool(createOtelRecorder({ tracer: sdkTracer }));
  await measure('guard + audit spans, SDK + batch (audit on)', SAMPLES, (n) =>
    sdkGuard.call({ id: `T-${n}` }, context),
  );

  const chain = createAuditChain({
    store: createFileChainStore({ path: join(dir, 'calls.jsonl') }),
    checkpointIntervalMillis: 0,
  });
  const chained = tool(createOtelRecorder({ tracer: sdkTracer, chain }));
  await measure('guard + spans + file chain (best-effort)', SAMPLES, (n) =>
    chained.call({ id: `T-${n}` }, context),
  );
  const strictChain = createAuditChain({
    store: createFileChainStore({ path: join(dir, 'strict.jsonl') }),
    checkpointIntervalMillis: 0,
  });
  const strict = tool(createOtelRecorder({ tracer: sdkTracer, chain: strictChain, strict: true }), 'write');
  await measure('guard + spans + file chain, strict (fsync x2)', STRICT_SAMPLES, (n) =>
    strict.call({ id: `T-${n}` }, context),
  );
  await chain.close();
  await strictChain.close();
  await provider.shutdown();

  // Hash-chain append throughput to the file store, 1,000 appends in flight.
  // Keys in code-unit order, as the recorder builds its records.
  const record = (index: number) => ({
    callId: `call-${index}`,
    decision: {
      effect: 'allow',
      obligations: [],
      policyVersion: 'sha256:v1',
      reason: 'allowed',
      ruleIds: ['r1'],
    },
    request: {
      agent: principal.agent.id,
      delegation: [...principal.delegation],
      effect: 'write',
      inputDigest: 'a'.repeat(64),
      labels: [],
      roles: ['support'],
      time: 1_700_000_000_000 + index,
      user: 'alice',
    },
    tool: 'update_ticket',
  });
  const throughput: Array<[string, number]> = [];
  for (const durable of [false, true]) {
    const appendChain = createAuditChain({
      store: createFileChainStore({ path: join(dir, `append-${durable}.jsonl`) }),
      checkpointIntervalMillis: 0,
    });
    const start = performance.now();
    for (let base = 0; base < CHAIN_RECORDS; base += 1000) {
      const pending: Promise<unknown>[] = [];
      for (let index = base; index < base + 1000; index += 1) {
        pending.push(
          appendChain.append({ type: 'intent', key: `intent:${index}`, data: record(index) }, { durable }),
        );
      }
      await Promise.all(pending);
    }
    await appendChain.close();
    throughput.push([
      durable ? 'durable (fsync per batch)' : 'best-effort',
      CHAIN_RECORDS / ((performance.now() - start) / 1000),
    ]);
  }

  const floorSpan = rows.find(([name]) => name.startsWith('floor: one span, SDK'))![1];
  const floorNoop = rows.find(([name]) => name.startsWith('floor: one span, no-op'))![1];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(
    `\nGuard allow path, stub verifier and decider (${SAMPLES} sequential calls; strict: ${STRICT_SAMPLES}), microseconds`,
  );
  console.log(
    `${'case'.padEnd(width)}  ${'p50'.padStart(8)}  ${'p99'.padStart(8)}  ${'x SDK span'.padStart(10)}  ${'x noop span'.padStart(11)}`,
  );
  for (const [name, p50, p99] of rows) {
    console.log(
      `${name.padEnd(width)}  ${p50.toFixed(2).padStart(8)}  ${p99.toFixed(2).padStart(8)}  ${(p50 / floorSpan).toFixed(1).padStart(10)}  ${(p50 / floorNoop).toFixed(1).padStart(11)}`,
    );
  }
  console.log(`\nHash-chain append to the file store (${CHAIN_RECORDS} intent records, 1,000 in flight)`);
  for (const [name, rate] of throughput) {
    console.log(
      `${name.padEnd(28)}  ${Math.round(rate).toLocaleString('en-US').padStart(10)} records/s  (target >= 50,000)`,
    );
  }
  const audited = rows.find(([name]) => name.includes('(audit on)'))![1];
  console.log(`\nAudit on, p50: ${audited.toFixed(2)} us (target <= 10 us)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
