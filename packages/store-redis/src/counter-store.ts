import { createHash } from 'node:crypto';
import type { CounterStore } from '@palisade/core';
import { Redis } from 'ioredis';

/** Options of `createRedisCounterStore`: a client you own, or a URL. */
export interface RedisCounterStoreOptions {
  /** A client to use; the store never disconnects it. */
  readonly client?: Redis | undefined;
  /** Used when no client is given; the store opens (and `close()` closes) its own connection. */
  readonly url?: string | undefined;
  /** Prefix of every key (default `palisade:counters`). */
  readonly keyPrefix?: string | undefined;
}

/** A `CounterStore` on Redis, which can close the connection it opened. */
export interface RedisCounterStore extends CounterStore {
  /** Closes the connection when the store opened it; a given client is left alone. */
  close(): Promise<void>;
}

// One hash per counter: the field is the window's start, so an old window is dropped when a new one
// begins and `reset` is a single DEL. The check and the increment run in one script, which Redis
// executes atomically: no interleaving of concurrent callers can pass the limit.
const CONSUME = `
local field = ARGV[1]
local amount = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if current + amount > limit then
  return { 0, tostring(current) }
end
local fields = redis.call('HKEYS', KEYS[1])
for _, other in ipairs(fields) do
  if other ~= field then redis.call('HDEL', KEYS[1], other) end
end
local total = redis.call('HINCRBYFLOAT', KEYS[1], field, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return { 1, total }`;

const CONSUME_SHA = createHash('sha1').update(CONSUME).digest('hex');

/**
 * Creates a `CounterStore` on Redis for rate limits and budgets shared by several replicas. Each
 * consume is one Lua script: under any number of concurrent callers a counter never ends above its
 * limit. Amounts may be fractional (`HINCRBYFLOAT`); keep money in integer minor units to avoid
 * rounding.
 *
 * @example
 * ```ts
 * const counters = createRedisCounterStore({ url: 'redis://127.0.0.1:6379' });
 * const engine = createPolicyEngine({ policy, counters });
 * ```
 */
export function createRedisCounterStore(options: RedisCounterStoreOptions): RedisCounterStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createRedisCounterStore(): options must be an object');
  }
  if (options.client === undefined && (typeof options.url !== 'string' || options.url === '')) {
    throw new TypeError('createRedisCounterStore(): pass a client or a url');
  }
  const prefix = options.keyPrefix ?? 'palisade:counters';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_:.-]{1,100}$/.test(prefix)) {
    throw new TypeError('createRedisCounterStore(): keyPrefix must be 1-100 characters of [A-Za-z0-9_:.-]');
  }
  const ownsClient = options.client === undefined;
  const client = options.client ?? new Redis(options.url as string, { maxRetriesPerRequest: 2 });
  const keyOf = (key: string) => `${prefix}:${createHash('sha256').update(key).digest('base64url')}`;
  const windowOf = (now: number, windowMs: number) => {
    if (!Number.isFinite(windowMs) || windowMs <= 0)
      throw new TypeError('windowMs must be a positive number');
    if (!Number.isFinite(now)) throw new TypeError('now must be a finite number');
    return Math.floor(now / windowMs) * windowMs;
  };

  async function consumeScript(key: string, args: (string | number)[]): Promise<[number, string]> {
    try {
      return (await client.evalsha(CONSUME_SHA, 1, key, ...args)) as [number, string];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.eval(CONSUME, 1, key, ...args)) as [number, string];
    }
  }

  return {
    async consume({ key, amount, limit, windowMs, now }) {
      const window = windowOf(now, windowMs);
      if (!Number.isFinite(amount) || amount <= 0) throw new TypeError('amount must be a positive number');
      if (!Number.isFinite(limit)) throw new TypeError('limit must be a finite number');
      // The key lives until its window ends, plus a margin for clock skew between replicas.
      const ttl = window + windowMs - now + 60_000;
      const [allowed, total] = await consumeScript(keyOf(key), [
        String(window),
        String(amount),
        String(limit),
        String(ttl),
      ]);
      const parsed = Number(total);
      if (!Number.isFinite(parsed))
        throw new TypeError(`Redis returned a counter that is not a number: ${String(total)}`);
      return { allowed: allowed === 1, total: parsed };
    },
    async peek({ key, windowMs, now }) {
      const value = await client.hget(keyOf(key), String(windowOf(now, windowMs)));
      return value === null ? 0 : Number(value);
    },
    async reset(key) {
      await client.del(keyOf(key));
    },
    async close() {
      if (ownsClient) await client.quit();
    },
  };
}
