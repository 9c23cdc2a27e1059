/**
 * Approval store benchmark: propose + decide + consume latency per store (one approval at a time),
 * and consumes per second with 50 concurrent callers. The in-memory store is the floor; ratios are
 * against it, measured in the same run.
 *
 *   tsx --conditions=@palisade/source bench/approval.bench.ts
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApprovalService,
  createApprovalService,
  createMemoryApprovalStore,
  createSqliteApprovalStore,
} from '@palisade/approval';
import type { ApprovalStore } from '@palisade/core';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createRedisApprovalStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { isReachable, POSTGRES_URL, REDIS_URL } from '../test/support/services.js';
import { percentile } from './support.js';

const CYCLES = Number(process.env.APPROVAL_BENCH_CYCLES ?? 300);
const CONCURRENT_CONSUMES = Number(process.env.APPROVAL_BENCH_CONSUMES ?? 2000);
const CALLERS = 50;
const suffix = randomBytes(4).toString('hex');

function createService(store: ApprovalStore): ApprovalService {
  return createApprovalService({
    store,
    approvers: (credential) => {
      if (credential !== 'approver-token') throw new Error('unknown approver');
      return { id: 'bob', roles: ['approver'], human: true };
    },
  });
}

const proposal = (index: number) => ({
  tool: 'issue_refund',
  input: { order: `A-${index}`, amount: 100 + index, currency: 'EUR', note: 'charged twice' },
  effect: 'write' as const,
  target: 'payments',
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  user: { id: 'alice', roles: ['support'] },
  rationale: 'duplicate charge',
});

async function cycleLatency(service: ApprovalService): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let index = 0; index < CYCLES + 20; index += 1) {
    const start = performance.now();
    const request = await service.propose(proposal(index));
    await service.decide({ approvalId: request.id, approve: true, approverCredential: 'approver-token' });
    const used = await service.consume(request.id, request.digest);
    if (!used.ok) throw new Error(`consume failed: ${used.reason}`);
    if (index >= 20) samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function consumeThroughput(service: ApprovalService): Promise<number> {
  const approved: Array<{ id: string; digest: string }> = [];
  for (let start = 0; start < CONCURRENT_CONSUMES; start += CALLERS) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CALLERS, CONCURRENT_CONSUMES - start) }, async (_, offset) => {
        const request = await service.propose(proposal(start + offset));
        await service.decide({ approvalId: request.id, approve: true, approverCredential: 'approver-token' });
        return { id: request.id, digest: request.digest };
      }),
    );
    approved.push(...batch);
  }
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < approved.length) {
        const target = approved[next]!;
        next += 1;
        const used = await service.consume(target.id, target.digest);
        if (!used.ok) throw new Error(`consume failed: ${used.reason}`);
      }
    }),
  );
  return approved.length / ((performance.now() - started) / 1000);
}

interface Row {
  store: string;
  p50: number;
  p99: number;
  perSecond: number;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-approval-bench-'));
  const stores: Array<{ name: string; open: () => ApprovalStore; cleanup?: () => Promise<void> }> = [
    { name: 'memory', open: () => createMemoryApprovalStore() },
    {
      name: 'sqlite (node:sqlite)',
      open: () => createSqliteApprovalStore({ path: join(directory, 'bench.db') }),
    },
  ];
  if (await isReachable(POSTGRES_URL)) {
    stores.push({
      name: 'postgres',
      open: () =>
        createPostgresApprovalStore({
          connectionString: POSTGRES_URL,
          tableName: `approvals_bench_${suffix}`,
          maxConnections: CALLERS,
        }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS approvals_bench_${suffix}`);
        await client.end();
      },
    });
  } else {
    console.log(`postgres not reachable at ${POSTGRES_URL}: skipped`);
  }
  if (await isReachable(REDIS_URL)) {
    stores.push({
      name: 'redis',
      open: () =>
        createRedisApprovalStore({ url: REDIS_URL, keyPrefix: `palisade-bench:approvals:${suffix}` }),
      cleanup: async () => {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`{palisade-bench:approvals:${suffix}}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    });
  } else {
    console.log(`redis not reachable at ${REDIS_URL}: skipped`);
  }

  const rows: Row[] = [];
  try {
    for (const entry of stores) {
      const store = entry.open();
      const service = createService(store);
      try {
        const latency = await cycleLatency(service);
        const perSecond = await consumeThroughput(service);
        rows.push({ store: entry.name, ...latency, perSecond });
      } finally {
        service.close();
        await store.dispose();
        await entry.cleanup?.();
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(400, 1);
  const signature = sign(null, message, privateKey);
  const verifies = 5000;
  const verifyStart = performance.now();
  for (let index = 0; index < verifies; index += 1) verify(null, message, publicKey, signature);
  const verifyPerSecond = verifies / ((performance.now() - verifyStart) / 1000);

  const floor = rows[0]!;
  console.log(
    `\npropose + decide (Ed25519-signed) + consume, ${CYCLES} sequential cycles; consumes/s with ${CALLERS} concurrent callers over ${CONCURRENT_CONSUMES} approvals\n`,
  );
  console.log(
    `${'store'.padEnd(22)}${'cycle p50 ms'.padStart(14)}${'cycle p99 ms'.padStart(14)}${'x floor p50'.padStart(13)}${'consumes/s'.padStart(13)}${'x floor'.padStart(10)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.store.padEnd(22)}${row.p50.toFixed(3).padStart(14)}${row.p99.toFixed(3).padStart(14)}${(
        row.p50 / floor.p50
      )
        .toFixed(1)
        .padStart(
          13,
        )}${Math.round(row.perSecond).toString().padStart(13)}${(row.perSecond / floor.perSecond).toFixed(3).padStart(10)}`,
    );
  }
  const verifyCell = Math.round(verifyPerSecond).toString().padStart(13);
  const verifyRatio = (verifyPerSecond / floor.perSecond).toFixed(3).padStart(10);
  console.log(`${'raw crypto.verify'.padEnd(22)}${''.padStart(41)}${verifyCell}${verifyRatio}`);
  console.log('\nfloor = the in-memory store in this run (no I/O). Every consume also verifies one Ed25519');
  console.log('decision signature, whose raw cost is the last row. No peer library offers payload-bound');
  console.log('approvals to compare with.');
}

await main();
