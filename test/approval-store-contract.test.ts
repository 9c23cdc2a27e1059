/**
 * One contract, every store: the in-memory and SQLite stores of @palisade/approval and the Postgres
 * and Redis stores, each run through the same suite, including 1,000 trials of 50 concurrent
 * consumers racing for one approval.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryApprovalStore, createSqliteApprovalStore } from '@palisade/approval';
import type { ApprovalRequest, ApprovalStore, SignedApprovalDecision } from '@palisade/core';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createRedisApprovalStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, requireService } from './support/services.js';

const hasPg = await requireService('postgres');
const hasRedis = await requireService('redis');
const suffix = randomBytes(4).toString('hex');

/** A store under test: `open` gives a handle onto the same data (a new connection where it has one). */
interface StoreFixture {
  readonly name: string;
  readonly available: boolean;
  setup(): Promise<void>;
  open(): ApprovalStore;
  teardown(): Promise<void>;
}

const directory = mkdtempSync(join(tmpdir(), 'palisade-approval-contract-'));
let pool: pg.Pool | undefined;
let redis: Redis | undefined;
const memory = createMemoryApprovalStore();

const fixtures: StoreFixture[] = [
  {
    name: 'memory',
    available: true,
    async setup() {},
    open: () => memory,
    async teardown() {},
  },
  {
    name: 'sqlite',
    available: true,
    async setup() {},
    open: () => createSqliteApprovalStore({ path: join(directory, 'approvals.db') }),
    async teardown() {
      rmSync(directory, { recursive: true, force: true });
    },
  },
  {
    name: 'postgres',
    available: hasPg,
    async setup() {
      pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 25 });
    },
    open: () => createPostgresApprovalStore({ pool: pool!, tableName: `approvals_contract_${suffix}` }),
    async teardown() {
      await pool?.query(`DROP TABLE IF EXISTS approvals_contract_${suffix}`);
      await pool?.end();
    },
  },
  {
    name: 'redis',
    available: hasRedis,
    async setup() {
      redis = new Redis(REDIS_URL);
    },
    open: () => createRedisApprovalStore({ client: redis!, keyPrefix: `palisade-test:approvals:${suffix}` }),
    async teardown() {
      const keys = await redis!.keys(`{palisade-test:approvals:${suffix}}:*`);
      if (keys.length > 0) await redis!.del(...keys);
      await redis?.quit();
    },
  },
];

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

function makeRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const id = randomUUID();
  return {
    id,
    digest: randomBytes(32).toString('hex'),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 60_000,
    kind: 'tool',
    tool: 'send_email',
    effect: 'send',
    target: 'mail',
    input: {
      to: 'ceo@acme.test',
      subject: 'Q3 — résumé 📈',
      body: 'Line 1\nLine 2 "quoted" <b>',
      amount: 1e21,
      tiny: 5e-7,
    },
    callId: `call-${id}`,
    audience: 'mail-api',
    agent: { id: 'spiffe://acme.test/agent/support-bot', name: 'support-bot' },
    user: { id: 'alice', roles: ['support'], tenant: 'acme' },
    delegation: ['alice', 'spiffe://acme.test/agent/support-bot'],
    rationale: 'The customer asked for a summary',
    sideEffects: ['sends a message on mail'],
    policy: { reason: 'sends need a human', ruleIds: ['send-approval'], policyVersion: 'sha256:abc' },
    ...overrides,
  };
}

function makeDecision(request: ApprovalRequest, approve = true): SignedApprovalDecision {
  return {
    approvalId: request.id,
    digest: request.digest,
    approve,
    approver: 'bob',
    approverRoles: ['approver'],
    reason: 'looks right',
    decidedAt: T0 + 1,
    expiresAt: request.expiresAt,
    algorithm: 'Ed25519',
    keyId: 'test-key',
    signature: 'c2lnbmF0dXJl',
  };
}

for (const fixture of fixtures) {
  describe.skipIf(!fixture.available)(`ApprovalStore contract: ${fixture.name}`, () => {
    let store: ApprovalStore;

    beforeAll(async () => {
      await fixture.setup();
      store = fixture.open();
    });
    afterAll(async () => {
      if (fixture.name !== 'memory') await store.dispose();
      await fixture.teardown();
    });

    async function approved(overrides: Partial<ApprovalRequest> = {}): Promise<ApprovalRequest> {
      const request = makeRequest(overrides);
      await store.insert(request);
      const result = await store.decide(request.id, makeDecision(request), T0 + 1);
      if (!result.ok) throw new Error(`decide failed: ${result.reason}`);
      return result.request;
    }

    it('stores and returns a request exactly as proposed', async () => {
      const request = makeRequest();
      await store.insert(request);
      expect(await store.get(request.id)).toEqual(request);
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it('keeps an input of any JSON shape byte for byte, and a request without optional fields', async () => {
      const input = {
        nested: { list: [1, 'two', null, false, { deep: [[]] }] },
        empty: {},
        '': 'empty key',
        zero: -0.5,
      };
      const bare = makeRequest({
        input,
        target: undefined,
        user: undefined,
        audience: undefined,
        policy: undefined,
      });
      delete (bare as { target?: unknown }).target;
      delete (bare as { user?: unknown }).user;
      delete (bare as { audience?: unknown }).audience;
      delete (bare as { policy?: unknown }).policy;
      await store.insert(bare);
      const stored = await store.get(bare.id);
      expect(stored).toEqual(bare);
      expect(JSON.stringify(stored?.input)).toBe(JSON.stringify(input));
    });

    it('refuses to insert an id twice', async () => {
      const request = makeRequest();
      await store.insert(request);
      await expect(store.insert({ ...request, tool: 'other' })).rejects.toThrow();
      expect((await store.get(request.id))?.tool).toBe('send_email');
    });

    it('records one decision on a pending request, and refuses any later or late one', async () => {
      const request = makeRequest();
      await store.insert(request);
      const result = await store.decide(request.id, makeDecision(request, false), T0 + 1);
      expect(result).toMatchObject({ ok: true, request: { status: 'denied', decision: { approve: false } } });
      expect(await store.decide(request.id, makeDecision(request), T0 + 2)).toMatchObject({
        ok: false,
        reason: 'not-pending',
        request: { status: 'denied' },
      });
      const late = makeRequest();
      await store.insert(late);
      expect(await store.decide(late.id, makeDecision(late), late.expiresAt)).toMatchObject({
        ok: false,
        reason: 'expired',
      });
      expect((await store.get(late.id))?.status).toBe('pending');
      expect(await store.decide(randomUUID(), makeDecision(late), T0)).toMatchObject({
        ok: false,
        reason: 'not-found',
      });
    });

    it('consumes an approved request once, for its digest, before it expires', async () => {
      const request = await approved();
      expect(await store.consume(request.id, 'f'.repeat(64), T0 + 2)).toMatchObject({
        ok: false,
        reason: 'digest-mismatch',
      });
      const used = await store.consume(request.id, request.digest, T0 + 2);
      expect(used).toMatchObject({ ok: true, request: { status: 'consumed', consumedAt: T0 + 2 } });
      expect(used.ok && used.request.decision).toEqual(makeDecision(request));
      expect(await store.consume(request.id, request.digest, T0 + 3)).toMatchObject({
        ok: false,
        reason: 'already-consumed',
      });
      expect(await store.get(request.id)).toMatchObject({ status: 'consumed', consumedAt: T0 + 2 });
    });

    it('reports why a consumption is refused', async () => {
      const pending = makeRequest();
      await store.insert(pending);
      expect(await store.consume(pending.id, pending.digest, T0 + 1)).toMatchObject({
        ok: false,
        reason: 'pending',
      });

      const denied = makeRequest();
      await store.insert(denied);
      await store.decide(denied.id, makeDecision(denied, false), T0 + 1);
      expect(await store.consume(denied.id, denied.digest, T0 + 2)).toMatchObject({
        ok: false,
        reason: 'denied',
      });

      const late = await approved();
      expect(await store.consume(late.id, late.digest, late.expiresAt)).toMatchObject({
        ok: false,
        reason: 'expired',
      });
      expect((await store.get(late.id))?.status).toBe('approved');

      const cancelled = makeRequest();
      await store.insert(cancelled);
      await store.close(cancelled.id, 'cancelled', T0 + 1);
      expect(await store.consume(cancelled.id, cancelled.digest, T0 + 2)).toMatchObject({
        ok: false,
        reason: 'cancelled',
      });
      expect(await store.consume(randomUUID(), pending.digest, T0)).toMatchObject({
        ok: false,
        reason: 'not-found',
      });
    });

    it('closes pending requests only: expired once past expiry, cancelled any time', async () => {
      const request = makeRequest();
      await store.insert(request);
      expect(await store.close(request.id, 'expired', request.expiresAt - 1)).toBeUndefined();
      expect(await store.close(request.id, 'expired', request.expiresAt)).toMatchObject({
        status: 'expired',
      });
      expect(await store.close(request.id, 'cancelled', request.expiresAt)).toBeUndefined();
      expect(await store.decide(request.id, makeDecision(request), T0 + 1)).toMatchObject({
        ok: false,
        reason: 'not-pending',
      });
      const decided = await approved();
      expect(await store.close(decided.id, 'cancelled', T0 + 2)).toBeUndefined();
      expect(await store.close(randomUUID(), 'cancelled', T0)).toBeUndefined();
    });

    it('lists by status, oldest first, within a limit', async () => {
      const base = T0 + 10_000_000 + Math.floor(Math.random() * 1_000_000);
      const first = makeRequest({ createdAt: base, expiresAt: base + 60_000, tool: 'first' });
      const second = makeRequest({ createdAt: base + 1, expiresAt: base + 60_000, tool: 'second' });
      const third = makeRequest({ createdAt: base + 2, expiresAt: base + 60_000, tool: 'third' });
      for (const request of [third, first, second]) await store.insert(request);
      await store.decide(second.id, makeDecision(second), base + 3);
      const pending = await store.list({ status: 'pending' });
      const ours = pending.filter((request) => [first.id, second.id, third.id].includes(request.id));
      expect(ours.map((request) => request.tool)).toEqual(['first', 'third']);
      expect(pending.every((request) => request.status === 'pending')).toBe(true);
      const approvedList = await store.list({ status: 'approved' });
      expect(approvedList.some((request) => request.id === second.id)).toBe(true);
      expect(await store.list({ limit: 2 })).toHaveLength(2);
      const all = await store.list();
      expect(all.map((request) => request.createdAt)).toEqual(
        [...all.map((request) => request.createdAt)].sort((a, b) => a - b),
      );
      await expect(store.list({ limit: 0 })).rejects.toThrow(TypeError);
    });

    it('records exactly one of 50 concurrent decisions', async () => {
      const stores = Array.from({ length: 5 }, () => fixture.open());
      try {
        for (let trial = 0; trial < 20; trial += 1) {
          const request = makeRequest();
          await store.insert(request);
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, index) =>
              stores[index % stores.length]!.decide(
                request.id,
                makeDecision(request, index % 2 === 0),
                T0 + 1,
              ),
            ),
          );
          expect(results.filter((result) => result.ok)).toHaveLength(1);
          expect(
            results
              .filter((result) => !result.ok)
              .every((result) => !result.ok && result.reason === 'not-pending'),
          ).toBe(true);
        }
      } finally {
        if (fixture.name !== 'memory') await Promise.all(stores.map((handle) => handle.dispose()));
      }
    });

    it('lets exactly one of 50 concurrent consumers succeed, in each of 1,000 trials', {
      timeout: 120_000,
    }, async () => {
      const TRIALS = 1000;
      const CONSUMERS = 50;
      const BATCH = 10;
      const stores = Array.from({ length: 5 }, () => fixture.open());
      let trialsWithOneWinner = 0;
      try {
        for (let start = 0; start < TRIALS; start += BATCH) {
          const requests = await Promise.all(Array.from({ length: BATCH }, () => approved()));
          const trials = await Promise.all(
            requests.map((request) =>
              Promise.all(
                Array.from({ length: CONSUMERS }, (_, index) =>
                  stores[index % stores.length]!.consume(request.id, request.digest, T0 + 2),
                ),
              ),
            ),
          );
          for (const results of trials) {
            const winners = results.filter((result) => result.ok);
            const losers = results.filter((result) => !result.ok && result.reason === 'already-consumed');
            if (winners.length === 1 && losers.length === CONSUMERS - 1) trialsWithOneWinner += 1;
          }
        }
      } finally {
        if (fixture.name !== 'memory') await Promise.all(stores.map((handle) => handle.dispose()));
      }
      expect(trialsWithOneWinner).toBe(TRIALS);
    });
  });
}
