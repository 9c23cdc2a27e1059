/**
 * The fault matrix: every stage of the enforcement loop is broken in turn (the credential verifier,
 * the JWKS fetch, the policy, the counter store, the approval store, strict audit, the risk
 * detectors, the session and provenance stores, Redis or Postgres going away in the middle of a run,
 * and a skewed clock), and the tools are called through the real packages. The number that matters,
 * tool bodies that ran under the fault, must be 0 in every row; a healthy row shows the same calls
 * do run, so a zero means the fault stopped them. The test prints the table.
 */

import { createMemoryApprovalStore } from '@palisade/approval';
import { createMemoryChainStore } from '@palisade/audit';
import type { ApprovalStore, AuditChainStore, CounterStore, ProvenanceStore } from '@palisade/core';
import { createMemoryProvenanceStore, createMemorySessionStore } from '@palisade/core';
import { createMemoryCounterStore } from '@palisade/policy';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createRedisCounterStore, createRedisRevocationStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, requireService } from '../support/services.js';
import { createFaultStack, type FaultStack, type StackParts } from './fault-stack.js';

type Tool = 'read_note' | 'send_note' | 'pay';
const ALL: readonly Tool[] = ['read_note', 'send_note', 'pay'];
const ROUNDS = 4;

interface Scenario {
  readonly stage: string;
  readonly fault: string;
  /** The tools whose calls pass through the broken part. */
  readonly tools: readonly Tool[];
  /** Builds the parts; `breakNow` switches the fault on (immediately unless `midRun`). */
  setup(): Promise<{
    parts: StackParts;
    breakNow: () => void | Promise<void>;
    teardown?: () => Promise<void>;
  }>;
  /** Run one healthy round first, then break the part, then run the rounds under the fault. */
  readonly midRun?: boolean;
}

function failing(): Error {
  return new Error('injected fault');
}

/** A switch and a proxy that throws from every method once the switch is on. */
function breakable<T extends object>(target: T): { value: T; breakNow: () => void } {
  let broken = false;
  const value = new Proxy(target, {
    get(object, key, receiver) {
      const member = Reflect.get(object, key, receiver) as unknown;
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        if (broken) return Promise.reject(failing());
        return (member as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return {
    value,
    breakNow: () => {
      broken = true;
    },
  };
}

/** Like `breakable`, but once switched every method hangs: it never answers at all. */
function hangable<T extends object>(target: T): { value: T; breakNow: () => void } {
  let hung = false;
  const value = new Proxy(target, {
    get(object, key, receiver) {
      const member = Reflect.get(object, key, receiver) as unknown;
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) =>
        hung ? new Promise(() => {}) : (member as (...a: unknown[]) => unknown).apply(object, args);
    },
  });
  return {
    value,
    breakNow: () => {
      hung = true;
    },
  };
}

const DEADLINE_MS = 100;

const immediate = (parts: StackParts) => async () => ({ parts, breakNow: () => {} });

const hasRedis = await requireService('redis');
const hasPostgres = await requireService('postgres');

const scenarios: Scenario[] = [
  {
    stage: 'verify',
    fault: 'verifier throws',
    tools: ALL,
    setup: immediate({
      wrapVerifier: () => ({
        verify: () => Promise.reject(failing()),
      }),
    }),
  },
  {
    stage: 'verify',
    fault: 'verifier returns a non-principal',
    tools: ALL,
    setup: immediate({ wrapVerifier: () => ({ verify: async () => ({}) as never }) }),
  },
  {
    stage: 'verify (JWKS)',
    fault: 'JWKS fetch rejects',
    tools: ALL,
    setup: immediate({ jwksFetch: () => () => Promise.reject(failing()) }),
  },
  {
    stage: 'verify (JWKS)',
    fault: 'JWKS answers 500 / garbage',
    tools: ALL,
    setup: immediate({
      jwksFetch: () => async () => new Response('{"keys": "nope"', { status: 500 }),
    }),
  },
  {
    stage: 'verify (JWKS)',
    fault: 'JWKS fetch hangs past its timeout',
    tools: ['read_note'],
    // A fetch that never answers but, like the platform's, gives up when its signal aborts.
    setup: immediate({
      jwksFetch: () => (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason ?? failing()));
        }),
    }),
  },
  {
    stage: 'decide',
    fault: 'policy engine throws',
    tools: ALL,
    setup: immediate({ wrapDecider: () => ({ decide: () => Promise.reject(failing()) }) }),
  },
  {
    stage: 'decide',
    fault: 'policy returns a malformed decision',
    tools: ALL,
    setup: immediate({
      wrapDecider: () => ({ decide: async () => ({ effect: 'allow' }) as never }),
    }),
  },
  {
    stage: 'obligation (limits)',
    fault: 'counter store throws',
    tools: ALL,
    async setup() {
      const { value, breakNow } = breakable<CounterStore>(createMemoryCounterStore());
      return { parts: { counters: value }, breakNow };
    },
    midRun: true,
  },
  {
    stage: 'approve',
    fault: 'approval store throws',
    tools: ['pay'],
    async setup() {
      const { value, breakNow } = breakable<ApprovalStore>(createMemoryApprovalStore());
      return { parts: { approvalStore: value }, breakNow };
    },
    midRun: true,
  },
  {
    stage: 'intent (strict audit)',
    fault: 'audit chain cannot append',
    // Strict mode makes the intent of side-effecting calls durable; reads stay best-effort by design.
    tools: ['send_note', 'pay'],
    async setup() {
      const { value, breakNow } = breakable<AuditChainStore>(createMemoryChainStore());
      return { parts: { chainStore: value }, breakNow };
    },
    midRun: true,
  },
  {
    stage: 'enrich (detectors)',
    fault: 'risk detector throws',
    tools: ALL,
    setup: immediate({ risk: () => Promise.reject(failing()) }),
  },
  {
    stage: 'enrich (detectors)',
    fault: 'risk detector returns NaN',
    tools: ALL,
    setup: immediate({ risk: () => Number.NaN }),
  },
  {
    stage: 'context',
    fault: 'session store throws',
    tools: ALL,
    async setup() {
      const { value, breakNow } = breakable(createMemorySessionStore());
      return { parts: { sessions: value }, breakNow };
    },
    midRun: true,
  },
  {
    stage: 'context',
    fault: 'provenance store throws',
    tools: ALL,
    async setup() {
      const { value, breakNow } = breakable<ProvenanceStore>(createMemoryProvenanceStore());
      return { parts: { provenance: value }, breakNow };
    },
    midRun: true,
  },
  {
    stage: 'verify (deadline)',
    fault: 'verifier never answers',
    tools: ALL,
    setup: immediate({
      wrapVerifier: () => ({ verify: () => new Promise(() => {}) }),
      deadlines: { verify: DEADLINE_MS },
    }),
  },
  {
    stage: 'decide (deadline)',
    fault: 'policy engine never answers',
    tools: ALL,
    setup: immediate({
      wrapDecider: () => ({ decide: () => new Promise(() => {}) }),
      deadlines: { decide: DEADLINE_MS },
    }),
  },
  {
    stage: 'obligation (deadline)',
    fault: 'counter store never answers',
    tools: ALL,
    midRun: true,
    async setup() {
      const { value, breakNow } = hangable<CounterStore>(createMemoryCounterStore());
      return { parts: { counters: value, deadlines: { obligation: DEADLINE_MS } }, breakNow };
    },
  },
  {
    stage: 'intent (deadline)',
    fault: 'audit chain never answers',
    tools: ['send_note', 'pay'],
    midRun: true,
    async setup() {
      const { value, breakNow } = hangable<AuditChainStore>(createMemoryChainStore());
      return { parts: { chainStore: value, deadlines: { intent: DEADLINE_MS } }, breakNow };
    },
  },
  {
    stage: 'verify (clock)',
    fault: 'clock 2 h ahead of the issuer',
    tools: ALL,
    setup: immediate({ skewMs: 2 * 3_600_000 }),
  },
  {
    stage: 'verify (clock)',
    fault: 'clock 2 h behind the issuer',
    tools: ALL,
    setup: immediate({ skewMs: -2 * 3_600_000 }),
  },
];

if (hasRedis) {
  scenarios.push(
    {
      stage: 'obligation (Redis counters)',
      fault: 'Redis goes away mid-run',
      tools: ALL,
      midRun: true,
      async setup() {
        const client = new Redis(REDIS_URL, {
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          lazyConnect: true,
        });
        await client.connect();
        const counters = createRedisCounterStore({ client, keyPrefix: `faults:${crypto.randomUUID()}` });
        return { parts: { counters }, breakNow: () => client.disconnect() };
      },
    },
    {
      stage: 'verify (Redis revocations)',
      fault: 'Redis goes away mid-run',
      tools: ALL,
      midRun: true,
      async setup() {
        const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
        const heartbeatMs = 50;
        const revocations = createRedisRevocationStore({
          client,
          keyPrefix: `faults:${crypto.randomUUID()}`,
          heartbeatMs,
        });
        await revocations.ready();
        return {
          parts: { revocations },
          // Replicas answer from memory until they miss three heartbeats; wait that long.
          breakNow: async () => {
            client.disconnect();
            await new Promise((resolve) => setTimeout(resolve, heartbeatMs * 6));
          },
          teardown: async () => {
            await revocations.close();
          },
        };
      },
    },
  );
}

if (hasPostgres) {
  scenarios.push({
    stage: 'approve (Postgres approvals)',
    fault: 'Postgres goes away mid-run',
    tools: ['pay'],
    midRun: true,
    async setup() {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
      const tableName = `faults_${crypto.randomUUID().replaceAll('-', '')}`;
      const approvalStore = createPostgresApprovalStore({ pool, tableName });
      return {
        parts: { approvalStore },
        breakNow: () => pool.end(),
        teardown: async () => {
          const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
          await admin.query(`DROP TABLE IF EXISTS ${tableName}`).catch(() => undefined);
          await admin.end();
        },
      };
    },
  });
}

interface Row {
  readonly stage: string;
  readonly fault: string;
  readonly calls: number;
  readonly ran: number;
  readonly refusals: string;
}

const rows: Row[] = [];
afterAll(() => {
  const header = '| stage | fault | calls under fault | bodies run | refusals |';
  const lines = rows.map(
    (row) => `| ${row.stage} | ${row.fault} | ${row.calls} | ${row.ran} | ${row.refusals} |`,
  );
  console.log(
    ['fault matrix: tool bodies run under a fault', header, '|---|---|---|---|---|', ...lines].join('\n'),
  );
});

async function exercise(stack: FaultStack, tools: readonly Tool[], rounds: number) {
  const outcomes: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const tool of tools) outcomes.push(await stack.call(tool));
  }
  return outcomes;
}

describe('fault matrix', () => {
  it('a healthy stack runs every call (so a zero below is the fault at work)', async () => {
    const stack = await createFaultStack();
    const outcomes = await exercise(stack, ALL, ROUNDS);
    expect(outcomes.every((outcome) => outcome === 'ran')).toBe(true);
    expect(stack.bodies.count).toBe(ALL.length * ROUNDS);
    rows.push({
      stage: '(none)',
      fault: 'healthy control',
      calls: outcomes.length,
      ran: stack.bodies.count,
      refusals: '-',
    });
  });

  for (const scenario of scenarios) {
    it(`${scenario.stage}: ${scenario.fault} -> no tool body runs`, async () => {
      const { parts, breakNow, teardown } = await scenario.setup();
      try {
        const stack = await createFaultStack(parts);
        if (scenario.midRun) {
          const warm = await exercise(stack, scenario.tools, 1);
          expect(
            warm.every((outcome) => outcome === 'ran'),
            `healthy before the fault: ${warm.join(', ')}`,
          ).toBe(true);
        }
        await breakNow();
        const before = stack.bodies.count;
        const outcomes = await exercise(stack, scenario.tools, ROUNDS);
        const ran = stack.bodies.count - before;
        rows.push({
          stage: scenario.stage,
          fault: scenario.fault,
          calls: outcomes.length,
          ran,
          refusals: [...new Set(outcomes)].join(', '),
        });
        expect(ran).toBe(0);
        expect(outcomes).not.toContain('ran');
      } finally {
        await teardown?.();
      }
    });
  }
});
