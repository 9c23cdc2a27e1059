/**
 * One contract, both shared revocation stores: Redis (hash + pub/sub) and PostgreSQL (table +
 * LISTEN/NOTIFY) run through the same suite. Outage cases that kill a server connection live beside
 * each store, since how a connection is killed is specific to the server.
 */
import { randomBytes } from 'node:crypto';
import type { Revocation, RevocationStore } from '@palisade/core';
import { createPostgresRevocationStore } from '@palisade/store-postgres';
import { createRedisRevocationStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, REDIS_URL, requireService } from './support/services.js';

const hasPg = await requireService('postgres');
const hasRedis = await requireService('redis');
const suffix = randomBytes(6).toString('hex');

/** What the suite needs of a store beyond `RevocationStore`. */
interface SharedRevocationStore extends RevocationStore {
  ready(timeoutMs?: number): Promise<void>;
  readonly synced: boolean;
  onRevocation(listener: (revocation: Revocation) => void): () => void;
}

interface StoreFixture {
  readonly name: string;
  readonly server: RegExp;
  readonly available: boolean;
  /** A new replica onto the same data, with its own connections. */
  open(): SharedRevocationStore;
  /** A replica pointed at a port nothing listens on. */
  unreachable(syncTimeoutMs: number): SharedRevocationStore;
  teardown(): Promise<void>;
}

const tableName = `palisade_revocations_contract_${suffix}`;
const keyPrefix = `palisade-test:revocations-contract:${suffix}`;

const fixtures: StoreFixture[] = [
  {
    name: 'redis',
    server: /Redis/,
    available: hasRedis,
    open: () => createRedisRevocationStore({ url: REDIS_URL, keyPrefix }),
    unreachable: (syncTimeoutMs) =>
      createRedisRevocationStore({ url: 'redis://127.0.0.1:1', keyPrefix, syncTimeoutMs }),
    async teardown() {
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    },
  },
  {
    name: 'postgres',
    server: /PostgreSQL/,
    available: hasPg,
    open: () => createPostgresRevocationStore({ connectionString: POSTGRES_URL, tableName }),
    unreachable: (syncTimeoutMs) =>
      createPostgresRevocationStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        tableName,
        syncTimeoutMs,
      }),
    async teardown() {
      const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      await admin.query(`DROP TABLE IF EXISTS ${tableName}`);
      await admin.end();
    },
  },
];

/** Polls every millisecond until `assertion` passes; resolves with the milliseconds it took. */
async function within(timeoutMs: number, assertion: () => unknown): Promise<number> {
  const started = performance.now();
  await vi.waitFor(assertion, { timeout: timeoutMs, interval: 1 });
  return performance.now() - started;
}

for (const fixture of fixtures) {
  describe.skipIf(!fixture.available)(`RevocationStore contract: ${fixture.name}`, () => {
    const stores: SharedRevocationStore[] = [];
    const open = () => {
      const store = fixture.open();
      stores.push(store);
      return store;
    };

    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await fixture.teardown();
    });

    it('a revocation made through one store is enforced by another within milliseconds', async () => {
      const a = open();
      const b = open();
      await Promise.all([a.ready(), b.ready()]);
      const query = { tokenIds: ['jti-1', 'parent-jti'], agents: ['spiffe://acme.example/agent/bot'] };
      expect(await b.check(query)).toBeUndefined();
      const heard: unknown[] = [];
      const stop = b.onRevocation((revocation) => heard.push(revocation));
      const revoked = await a.revoke({
        kind: 'token',
        value: 'parent-jti',
        reason: 'leaked',
        expiresAt: 4_000_000_000,
      });
      expect(revoked).toMatchObject({
        kind: 'token',
        value: 'parent-jti',
        reason: 'leaked',
        expiresAt: 4_000_000_000,
      });
      const elapsed = await within(5000, async () => expect(await b.check(query)).toBeDefined());
      expect(await b.check(query)).toEqual(revoked);
      expect(elapsed).toBeLessThan(1000);
      await within(5000, () => expect(heard).toHaveLength(1));
      expect(heard).toEqual([revoked]);
      stop();
      await a.revoke({ kind: 'task', value: 'after-stop' });
      await within(5000, async () =>
        expect(await b.check({ tokenIds: [], agents: [], task: 'after-stop' })).toBeDefined(),
      );
      expect(heard).toHaveLength(1);
    });

    it('a store started later loads earlier revocations; revoking twice keeps the first', async () => {
      const a = open();
      await a.ready();
      const first = await a.revoke({ kind: 'agent', value: 'spiffe://acme.example/agent/rogue' });
      const second = await a.revoke({
        kind: 'agent',
        value: 'spiffe://acme.example/agent/rogue',
        reason: 'again',
      });
      expect(second).toEqual(first);
      const key = await a.revoke({ kind: 'key', value: 'key-1' });
      const late = open();
      await late.ready();
      expect(await late.check({ tokenIds: [], agents: ['spiffe://acme.example/agent/rogue'] })).toEqual(
        first,
      );
      expect(await late.check({ tokenIds: [], agents: [], keyId: 'key-1' })).toEqual(key);
      const listed = await late.list();
      expect(listed).toContainEqual(first);
      expect(listed).toContainEqual(key);
    });

    it('refuses checks after close', async () => {
      const store = open();
      await store.ready();
      expect(store.synced).toBe(true);
      await store.close();
      expect(store.synced).toBe(false);
      await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/closed/);
      await expect(store.list()).rejects.toThrow(/closed/);
      await expect(store.ready()).rejects.toThrow(/closed/);
    });

    it('refuses checks, and ready() rejects, when the server cannot be reached', async () => {
      const store = fixture.unreachable(100);
      stores.push(store);
      expect(store.synced).toBe(false);
      const refusal = store.check({ tokenIds: ['x'], agents: [] });
      await expect(refusal).rejects.toThrow(/not in sync/);
      await expect(refusal).rejects.toThrow(fixture.server);
      await expect(store.ready(200)).rejects.toThrow(/could not load/);
    });

    it('validates the options it shares with the other store', () => {
      const base = fixture.name === 'redis' ? { url: REDIS_URL } : { connectionString: POSTGRES_URL };
      const create = (extra: Record<string, number>) =>
        fixture.name === 'redis'
          ? createRedisRevocationStore({ ...base, keyPrefix, ...extra })
          : createPostgresRevocationStore({ ...base, tableName, ...extra });
      expect(() => create({ heartbeatMs: 5 })).toThrow(/heartbeatMs must be >= 10/);
      expect(() => create({ graceSeconds: -1 })).toThrow(/graceSeconds must be >= 0/);
      expect(() => create({ syncTimeoutMs: Number.NaN })).toThrow(/syncTimeoutMs must be >= 0/);
    });
  });
}
