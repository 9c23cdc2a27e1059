import type { ReplayCache } from '@palisade/core';
import { Redis } from 'ioredis';

/** Options of `createRedisReplayCache`: a client you own, or a URL. */
export interface RedisReplayCacheOptions {
  /** A client for commands; the cache never disconnects it. */
  readonly client?: Redis | undefined;
  /** Used when no client is given; the cache opens (and `close()` closes) its own connection. */
  readonly url?: string | undefined;
  /** Prefix of the keys, one per token id. Default `palisade:replay`. */
  readonly keyPrefix?: string | undefined;
  /**
   * Seconds a token id is kept after the token's `exp`, to cover the verifiers' clock tolerance (a
   * token is still accepted that long after `exp`). Default 60; must be at least the verifiers'
   * `clockToleranceSeconds`.
   */
  readonly graceSeconds?: number | undefined;
}

/** A replay cache shared through Redis. */
export interface RedisReplayCache extends ReplayCache {
  /** Closes the connection the cache opened from `url`; a given client is left open. */
  close(): Promise<void>;
}

/**
 * Creates a replay cache on Redis, so that every replica sharing the Redis accepts a one-time token
 * once between them. Each use is one atomic `SET <prefix>:<tokenId> 1 NX PXAT <exp + grace>`: the
 * first caller creates the key, every later (or concurrent) one finds it, and Redis drops the key
 * once the token can no longer be accepted anyway. When Redis cannot be reached or answers with an
 * error, `consume` rejects and the verifier refuses the token.
 *
 * @example
 * ```ts
 * const replay = createRedisReplayCache({ url: 'redis://127.0.0.1:6379' });
 * const verifier = createAgentVerifier({ ...options, replay });
 * ```
 */
export function createRedisReplayCache(options: RedisReplayCacheOptions): RedisReplayCache {
  const where = 'createRedisReplayCache()';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`);
  if (options.client === undefined && typeof options.url !== 'string')
    throw new TypeError(`${where}: give client or url`);
  if (options.client !== undefined && typeof options.client.set !== 'function')
    throw new TypeError(`${where}: client must be an ioredis client`);
  const prefix = options.keyPrefix ?? 'palisade:replay';
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix))
    throw new TypeError(`${where}: keyPrefix is invalid`);
  const graceSeconds = options.graceSeconds ?? 60;
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0)
    throw new TypeError(`${where}: graceSeconds must be a whole number >= 0`);

  const owned = options.client === undefined;
  // Few retries: a verification waiting on an unreachable Redis should be refused soon, not hang.
  const client = options.client ?? new Redis(options.url!, { maxRetriesPerRequest: 1 });
  // Connection errors surface as rejected consumes; without a listener ioredis reports them as unhandled.
  if (owned) client.on('error', () => undefined);
  let closed = false;

  return {
    async consume(tokenId, expiresAt) {
      if (closed) throw new Error('The replay cache is closed');
      if (typeof tokenId !== 'string' || tokenId === '')
        throw new TypeError('consume(): tokenId must be a non-empty string');
      if (!Number.isFinite(expiresAt)) throw new TypeError('consume(): expiresAt must be epoch seconds');
      const keepUntilMs = Math.ceil((expiresAt + graceSeconds) * 1000);
      // An expiry in the past would make SET fail or the key vanish at once: such a token is
      // refused by the verifier's own checks, and here it counts as used.
      if (keepUntilMs <= Date.now()) return false;
      const reply = await client.set(`${prefix}:${tokenId}`, '1', 'PXAT', keepUntilMs, 'NX');
      if (reply === 'OK') return true;
      if (reply === null) return false;
      throw new Error(`Unexpected answer from Redis to SET NX: ${JSON.stringify(reply)}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!owned) return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
