import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireService } from '../../../test/support/services.js';
import { createRedisReplayCache, type RedisReplayCache } from './replay-cache.js';

const hasRedis = await requireService('redis');

describe('createRedisReplayCache options', () => {
  it('refuses bad options when created', () => {
    expect(() => createRedisReplayCache({})).toThrow(/give client or url/);
    expect(() => createRedisReplayCache({ url: REDIS_URL, keyPrefix: 'a b' })).toThrow(/keyPrefix/);
    expect(() => createRedisReplayCache({ url: REDIS_URL, graceSeconds: -1 })).toThrow(/graceSeconds/);
  });
});

describe.skipIf(!hasRedis)('createRedisReplayCache on the real Redis', () => {
  const keyPrefix = `palisade-test:replay:${randomUUID()}`;
  const admin = hasRedis ? new Redis(REDIS_URL) : undefined;
  const caches: RedisReplayCache[] = [];
  const open = (options: { graceSeconds?: number } = {}) => {
    const cache = createRedisReplayCache({ url: REDIS_URL, keyPrefix, ...options });
    caches.push(cache);
    return cache;
  };
  const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    const keys = await admin!.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin!.del(...keys);
    await admin!.quit();
  });

  it('two caches on one Redis accept a token id once between them', async () => {
    const a = open();
    const b = open();
    const exp = inAMinute();
    expect(await a.consume('jti-1', exp)).toBe(true);
    expect(await b.consume('jti-1', exp)).toBe(false);
    expect(await a.consume('jti-1', exp)).toBe(false);
    expect(await b.consume('jti-2', exp)).toBe(true);
  });

  it('50 concurrent uses from two caches: exactly one succeeds', async () => {
    const a = open();
    const b = open();
    const exp = inAMinute();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).consume('jti-race', exp)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('entries expire with the token plus the grace period', async () => {
    const cache = open({ graceSeconds: 30 });
    const exp = inAMinute();
    const before = Date.now();
    expect(await cache.consume('jti-ttl', exp)).toBe(true);
    const expiresAtMs = await admin!.pexpiretime(`${keyPrefix}:jti-ttl`);
    expect(expiresAtMs).toBe((exp + 30) * 1000);
    expect(expiresAtMs - before).toBeLessThanOrEqual(90_000);
    // A token already past its grace period is never recorded, and never accepted.
    expect(await cache.consume('jti-old', Math.floor(Date.now() / 1000) - 31)).toBe(false);
    expect(await admin!.exists(`${keyPrefix}:jti-old`)).toBe(0);
  });

  it('fails closed: a Redis error or an unreachable Redis rejects', async () => {
    // An expiry Redis cannot represent makes SET answer with an error.
    await expect(open().consume('jti-far', 1e16)).rejects.toThrow(/out of range|invalid expire/);
    expect(await admin!.exists(`${keyPrefix}:jti-far`)).toBe(0);
    const client = new Redis(REDIS_URL);
    try {
      const cache = createRedisReplayCache({ client, keyPrefix });
      expect(await cache.consume('jti-client', inAMinute())).toBe(true);
      client.disconnect();
      await expect(cache.consume('jti-after-disconnect', inAMinute())).rejects.toThrow();
      await cache.close();
      expect(client.status).not.toBe('ready');
    } finally {
      client.disconnect();
    }
    const unreachable = createRedisReplayCache({ url: 'redis://127.0.0.1:1', keyPrefix });
    caches.push(unreachable);
    await expect(unreachable.consume('jti-x', inAMinute())).rejects.toThrow();
    const closed = open();
    await closed.close();
    await expect(closed.consume('jti-y', inAMinute())).rejects.toThrow(/closed/);
  });
});
