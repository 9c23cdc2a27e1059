import { randomUUID } from 'node:crypto';
import {
  createRevocationIndex,
  normalizeRevocationInput,
  REVOCATION_KINDS,
  type Revocation,
  type RevocationStore,
} from '@palisade/core';
import { Redis } from 'ioredis';

/** Options of `createRedisRevocationStore`: a client you own, or a URL. */
export interface RedisRevocationStoreOptions {
  /** A client for commands; the store never disconnects it (it opens its own subscriber from it). */
  readonly client?: Redis | undefined;
  /** Used when no client is given; the store opens (and `close()` closes) its own connections. */
  readonly url?: string | undefined;
  /** Prefix of the hash and channel names. Default `palisade:revocations`. */
  readonly keyPrefix?: string | undefined;
  /**
   * Milliseconds between heartbeats sent through the channel. A store that has not heard its own
   * heartbeat for three intervals assumes the subscription is dead and refuses checks. Default 1000.
   */
  readonly heartbeatMs?: number | undefined;
  /** Milliseconds a check waits for a (re)synchronisation in progress before refusing. Default 2000. */
  readonly syncTimeoutMs?: number | undefined;
  /** Seconds an entry is kept after its `expiresAt`. Default 300. */
  readonly graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** A revocation store shared through Redis. */
export interface RedisRevocationStore extends RevocationStore {
  /** Resolves once the store has subscribed and loaded every revocation; rejects after `timeoutMs` (default 10000). */
  ready(timeoutMs?: number): Promise<void>;
  /** True while the store is subscribed, loaded and hearing its heartbeat. */
  readonly synced: boolean;
  /**
   * Calls `listener` with each revocation announced on the channel (by any replica, this one
   * included), once it is in effect here. Returns a function that removes the listener. For reacting
   * to revocations (stopping running work); verification needs no listener.
   */
  onRevocation(listener: (revocation: Revocation) => void): () => void;
}

type Message = { type: 'revoked'; revocation: Revocation } | { type: 'heartbeat'; from: string };

function asRevocation(value: unknown): Revocation | undefined {
  const candidate = value as Revocation | null;
  return typeof candidate === 'object' &&
    candidate !== null &&
    REVOCATION_KINDS.includes(candidate.kind) &&
    typeof candidate.value === 'string' &&
    typeof candidate.revokedAt === 'number' &&
    (candidate.expiresAt === undefined || typeof candidate.expiresAt === 'number')
    ? candidate
    : undefined;
}

function parseRevocation(json: string): Revocation | undefined {
  try {
    return asRevocation(JSON.parse(json));
  } catch {
    // Not JSON: such an entry was not written by this store and cannot revoke anything.
    return undefined;
  }
}

/**
 * Creates a revocation store on Redis. Revocations live in one hash and are announced on a pub/sub
 * channel; every replica keeps them all in memory, so checks never wait on the network, and learns
 * of a new one within milliseconds. A replica whose subscription drops (or whose heartbeat stops
 * coming back) refuses every check until it has resubscribed and reloaded: verifiers then deny.
 *
 * @example
 * ```ts
 * const revocations = createRedisRevocationStore({ url: 'redis://127.0.0.1:6379' });
 * await revocations.ready();
 * const verifier = createAgentVerifier({ ...options, revocations });
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const where = 'createRedisRevocationStore()';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`);
  if (options.client === undefined && typeof options.url !== 'string')
    throw new TypeError(`${where}: give client or url`);
  const prefix = options.keyPrefix ?? 'palisade:revocations';
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix))
    throw new TypeError(`${where}: keyPrefix is invalid`);
  const heartbeatMs = options.heartbeatMs ?? 1000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 10)
    throw new TypeError(`${where}: heartbeatMs must be >= 10`);
  const graceSeconds = options.graceSeconds ?? 300;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new TypeError(`${where}: graceSeconds must be >= 0`);
  const syncTimeoutMs = options.syncTimeoutMs ?? 2000;
  if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs < 0)
    throw new TypeError(`${where}: syncTimeoutMs must be >= 0`);
  const now = options.now ?? Date.now;

  const owned = options.client === undefined;
  const client = options.client ?? new Redis(options.url!, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const storeId = randomUUID();
  const subscriber = client.duplicate({
    maxRetriesPerRequest: null,
    connectionName: `${prefix}:subscriber:${storeId}`,
  });
  let lastError: unknown;
  const remember = (error: unknown) => {
    lastError = error;
    loaded = false;
  };
  // Connection errors surface as refused checks; without a listener ioredis would report them as unhandled.
  subscriber.on('error', remember);
  if (owned) client.on('error', remember);
  const hashKey = `${prefix}:entries`;
  const channel = `${prefix}:events`;
  const index = createRevocationIndex();
  let loaded = false;

  let lastHeartbeat = Date.now();
  let closed = false;
  let resync: Promise<void> | undefined;

  const listeners = new Set<(revocation: Revocation) => void>();
  function announce(revocation: Revocation): void {
    for (const listener of listeners) {
      try {
        listener(revocation);
      } catch {
        // A failing listener must not stop the others, nor the store.
      }
    }
  }

  function apply(revocation: Revocation | undefined): void {
    if (revocation) index.add(revocation);
  }

  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.type === 'heartbeat') {
      if (message.from === storeId) lastHeartbeat = Date.now();
    } else if (message.type === 'revoked') {
      const revocation = asRevocation(message.revocation);
      if (revocation) {
        apply(revocation);
        announce(revocation);
      }
    }
  });

  async function load(): Promise<void> {
    // Subscribe first, then read: a revocation made in between arrives by message, one made before
    // is in the hash, so none is missed.
    await subscriber.subscribe(channel);
    const entries = await client.hgetall(hashKey);
    // Revocations are only ever added, so the reload merges: clearing first would drop any that arrived by message meanwhile.
    const stale: string[] = [];
    for (const [field, json] of Object.entries(entries)) {
      const revocation = parseRevocation(json);
      if (revocation?.expiresAt !== undefined && (revocation.expiresAt + graceSeconds) * 1000 < now())
        stale.push(field);
      else apply(revocation);
    }
    if (stale.length > 0) await client.hdel(hashKey, ...stale);
    lastHeartbeat = Date.now();
    loaded = true;
  }

  function startSync(): Promise<void> {
    resync ??= load().finally(() => {
      resync = undefined;
    });
    return resync;
  }

  // A failed first load is reported through ready() and check(); it must not surface as unhandled.
  startSync().catch(() => undefined);

  subscriber.on('close', () => {
    loaded = false;
  });
  subscriber.on('ready', () => {
    if (!closed && !loaded) startSync().catch(() => undefined);
  });

  const heartbeat = setInterval(() => {
    if (Date.now() - lastHeartbeat > heartbeatMs * 3) loaded = false;
    client.publish(channel, JSON.stringify({ type: 'heartbeat', from: storeId })).catch(() => {
      loaded = false;
    });
    if (!loaded && !closed && subscriber.status === 'ready') startSync().catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();

  function synced(): boolean {
    return loaded && !closed && Date.now() - lastHeartbeat <= heartbeatMs * 3;
  }

  async function ensureSynced(): Promise<void> {
    if (synced()) return;
    if (closed) throw new Error('The revocation store is closed');
    if (resync) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, syncTimeoutMs);
      });
      await Promise.race([resync.catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    if (!synced()) {
      throw new Error('The revocation store is not in sync with Redis; refusing to vouch for any token', {
        cause: lastError,
      });
    }
  }

  return {
    async ready(timeoutMs = 10_000) {
      if (synced()) return;
      if (closed) throw new Error('The revocation store is closed');
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          resync ?? startSync(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        throw new Error('The revocation store could not load from Redis', { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (!synced()) throw new Error('The revocation store is not in sync with Redis', { cause: lastError });
    },
    get synced() {
      return synced();
    },
    onRevocation(listener) {
      if (typeof listener !== 'function') throw new TypeError('onRevocation(): listener must be a function');
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async revoke(input) {
      const revocation: Revocation = { ...normalizeRevocationInput(input), revokedAt: now() };
      const field = `${revocation.kind}:${revocation.value}`;
      const json = JSON.stringify(revocation);
      const result = await client.multi().hsetnx(hashKey, field, json).hget(hashKey, field).exec();
      const stored = result?.[1]?.[1];
      const kept = typeof stored === 'string' ? (parseRevocation(stored) ?? revocation) : revocation;
      await client.publish(channel, JSON.stringify({ type: 'revoked', revocation: kept }));
      apply(kept);
      return kept;
    },
    async check(query) {
      if (!synced()) await ensureSynced();
      return index.match(query);
    },
    async list() {
      await ensureSynced();
      index.prune(now(), graceSeconds);
      return index.list();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      subscriber.disconnect();
      if (!owned) return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
