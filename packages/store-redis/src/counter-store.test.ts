import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireService } from '../../../test/support/services.js';
import { createRedisCounterStore, type RedisCounterStore } from './counter-store.js';

const hasRedis = await requireService('redis');

describe.skipIf(!hasRedis)('createRedisCounterStore on the real Redis', () => {
  const keyPrefix = `palisade-test:counters:${randomUUID()}`;
  const admin = hasRedis ? new Redis(REDIS_URL) : undefined;
  const stores: RedisCounterStore[] = [];
  const open = () => {
    const store = createRedisCounterStore({ url: REDIS_URL, keyPrefix });
    stores.push(store);
    return store;
  };

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    const keys = await admin!.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin!.del(...keys);
    await admin!.quit();
  });

  it('lets many concurrent callers on several connections consume exactly up to the limit', async () => {
    const replicas = [open(), open(), open(), open()];
    const now = Date.now();
    const attempts = Array.from({ length: 400 }, (_, index) =>
      (replicas[index % replicas.length] as RedisCounterStore).consume({
        key: 'rate|agent=a',
        amount: 1,
        limit: 137,
        windowMs: 60_000,
        now,
      }),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((result) => result.allowed)).toHaveLength(137);
    expect(Math.max(...results.map((result) => result.total))).toBe(137);
    expect(await replicas[0]!.peek({ key: 'rate|agent=a', windowMs: 60_000, now })).toBe(137);
  });

  it('never overshoots a budget with uneven amounts', async () => {
    const replicas = [open(), open(), open()];
    const now = Date.now();
    const amounts = Array.from({ length: 300 }, (_, index) => 1 + (index % 7) * 10);
    const results = await Promise.all(
      amounts.map((amount, index) =>
        (replicas[index % replicas.length] as RedisCounterStore).consume({
          key: 'money|user=u',
          amount,
          limit: 2500,
          windowMs: 86_400_000,
          now,
        }),
      ),
    );
    const granted = results.reduce(
      (sum, result, index) => sum + (result.allowed ? (amounts[index] as number) : 0),
      0,
    );
    const stored = await replicas[0]!.peek({ key: 'money|user=u', windowMs: 86_400_000, now });
    expect(stored).toBe(granted);
    expect(stored).toBeLessThanOrEqual(2500);
    expect(stored).toBeGreaterThan(2400);
  });

  it('starts a new window, expires old ones and resets', async () => {
    const store = open();
    const windowMs = 1000;
    const base = Math.floor(Date.now() / windowMs) * windowMs;
    expect(await store.consume({ key: 'w', amount: 3, limit: 3, windowMs, now: base })).toEqual({
      allowed: true,
      total: 3,
    });
    expect(await store.consume({ key: 'w', amount: 1, limit: 3, windowMs, now: base + 10 })).toEqual({
      allowed: false,
      total: 3,
    });
    expect(await store.consume({ key: 'w', amount: 1, limit: 3, windowMs, now: base + windowMs })).toEqual({
      allowed: true,
      total: 1,
    });
    expect(await store.peek({ key: 'w', windowMs, now: base })).toBe(0);
    await store.reset('w');
    expect(await store.peek({ key: 'w', windowMs, now: base + windowMs })).toBe(0);
    const ttl = await admin!.pttl((await admin!.keys(`${keyPrefix}:*`))[0] as string);
    expect(ttl).toBeGreaterThan(0);
  });

  it('rejects misuse', async () => {
    const store = open();
    await expect(store.consume({ key: 'x', amount: 0, limit: 1, windowMs: 1000, now: 0 })).rejects.toThrow(
      TypeError,
    );
    expect(() => createRedisCounterStore({})).toThrow(TypeError);
    expect(() => createRedisCounterStore({ url: REDIS_URL, keyPrefix: 'bad prefix' })).toThrow(TypeError);
  });
});
