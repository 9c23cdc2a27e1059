import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireService } from '../../../test/support/services.js';
import { createRedisRevocationStore, type RedisRevocationStore } from './revocation-store.js';

const hasRedis = await requireService('redis');

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - started;
}

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
    const elapsed = await until(async () => (await b.check(query)) !== undefined);
    expect(await b.check(query)).toEqual(revoked);
    expect(elapsed).toBeLessThan(1000);
    await until(() => heard.length === 1);
    expect(heard).toEqual([revoked]);
    stop();
    await a.revoke({ kind: 'task', value: 'after-stop' });
    await until(async () => (await b.check({ tokenIds: [], agents: [], task: 'after-stop' })) !== undefined);
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
    const late = open();
    await late.ready();
    expect(await late.check({ tokenIds: [], agents: ['spiffe://acme.example/agent/rogue'] })).toEqual(first);
    expect((await late.list()).map((entry) => entry.kind)).toContain('agent');
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
    await until(() => !store.synced);
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
    // A revocation made while the subscriber is down is still learnt, from the reload.
    await other.revoke({ kind: 'task', value: 'task-during-outage' });
    await until(() => store.synced, 10_000);
    expect(await store.check({ tokenIds: [], agents: [], task: 'task-during-outage' })).toMatchObject({
      kind: 'task',
    });
  });

  it('refuses checks after close and when Redis cannot be reached', async () => {
    const store = open();
    await store.ready();
    await store.close();
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/closed/);
    const unreachable = createRedisRevocationStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix,
      syncTimeoutMs: 100,
    });
    stores.push(unreachable);
    await expect(unreachable.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
    await expect(unreachable.ready(200)).rejects.toThrow(/could not load/);
  });
});
