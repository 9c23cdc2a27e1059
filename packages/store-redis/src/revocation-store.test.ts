import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { REDIS_URL, requireService } from '../../../test/support/services.js';
import { createRedisRevocationStore, type RedisRevocationStore } from './revocation-store.js';

const hasRedis = await requireService('redis');

describe.skipIf(!hasRedis)('createRedisRevocationStore on the real Redis', () => {
  const keyPrefix = `palisade-test:revocations:${randomUUID()}`;
  const admin = hasRedis ? new Redis(REDIS_URL) : undefined;
  const stores: RedisRevocationStore[] = [];
  const open = (options: { heartbeatMs?: number } = {}) => {
    const store = createRedisRevocationStore({ url: REDIS_URL, keyPrefix, ...options });
    stores.push(store);
    return store;
  };

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    const keys = await admin!.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin!.del(...keys);
    await admin!.quit();
  });

  it('refuses checks while its subscription is down, and recovers after resubscribing', async () => {
    const store = open({ heartbeatMs: 50 });
    await store.ready();
    const other = open();
    await other.ready();
    // Kill the subscriber connections of this test's stores (their names carry the key prefix).
    const ids = String(await admin!.client('LIST'))
      .split('\n')
      .filter((entry) => entry.includes(` name=${keyPrefix}:subscriber:`))
      .map((entry) => /^id=(\d+)/.exec(entry)?.[1]);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) if (id) await admin!.client('KILL', 'ID', id).catch(() => undefined);
    await vi.waitFor(() => expect(store.synced).toBe(false), { timeout: 5000, interval: 1 });
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
    // A revocation made while the subscriber is down is still learnt, from the reload.
    await other.revoke({ kind: 'task', value: 'task-during-outage' });
    await vi.waitFor(() => expect(store.synced).toBe(true), { timeout: 10_000, interval: 5 });
    expect(await store.check({ tokenIds: [], agents: [], task: 'task-during-outage' })).toMatchObject({
      kind: 'task',
    });
  });

  it('does not open a connection when an option is invalid', () => {
    expect(() => createRedisRevocationStore({ keyPrefix })).toThrow(/client or url/);
    expect(() => createRedisRevocationStore({ url: REDIS_URL, keyPrefix: 'has space' })).toThrow(/keyPrefix/);
  });
});
