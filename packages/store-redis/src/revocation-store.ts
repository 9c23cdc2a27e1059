import {
  createRevocationReplica,
  normalizeRevocationInput,
  type ReplicatedRevocationStore,
  type Revocation,
  type RevocationSyncOptions,
  toRevocation,
} from '@palisade/core';
import { Redis } from 'ioredis';

/** Options of `createRedisRevocationStore`: a client you own, or a URL. */
export interface RedisRevocationStoreOptions extends RevocationSyncOptions {
  /** A client for commands; the store never disconnects it (it opens its own subscriber from it). */
  readonly client?: Redis | undefined;
  /** Used when no client is given; the store opens (and `close()` closes) its own connections. */
  readonly url?: string | undefined;
  /** Prefix of the hash and channel names. Default `palisade:revocations`. */
  readonly keyPrefix?: string | undefined;
}

/** A revocation store shared through Redis. */
export type RedisRevocationStore = ReplicatedRevocationStore;

function parseRevocation(json: string): Revocation | undefined {
  try {
    return toRevocation(JSON.parse(json));
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
  const hashKey = `${prefix}:entries`;
  const channel = `${prefix}:events`;
  const replica = createRevocationReplica({
    where,
    server: 'Redis',
    heartbeatMs: options.heartbeatMs,
    graceSeconds: options.graceSeconds,
    syncTimeoutMs: options.syncTimeoutMs,
    now: options.now,
    transport: {
      async load() {
        // Subscribe first, then read: a revocation made in between arrives by message.
        await subscriber.subscribe(channel);
        const entries = await client.hgetall(hashKey);
        const stale: string[] = [];
        const kept: (Revocation | undefined)[] = [];
        for (const [field, json] of Object.entries(entries)) {
          const revocation = parseRevocation(json);
          if (
            revocation?.expiresAt !== undefined &&
            (revocation.expiresAt + replica.graceSeconds) * 1000 < replica.now()
          )
            stale.push(field);
          else kept.push(revocation);
        }
        if (stale.length > 0) await client.hdel(hashKey, ...stale);
        return kept;
      },
      publish: async (message) => {
        await client.publish(channel, message);
      },
      canSync: () => subscriber.status === 'ready',
    },
  });

  const owned = options.client === undefined;
  const client = options.client ?? new Redis(options.url!, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const subscriber = client.duplicate({
    maxRetriesPerRequest: null,
    connectionName: `${prefix}:subscriber:${replica.id}`,
  });
  // Connection errors surface as refused checks; without a listener ioredis would report them as unhandled.
  subscriber.on('error', replica.lost);
  if (owned) client.on('error', replica.lost);
  subscriber.on('message', (from: string, text: string) => {
    if (from === channel) replica.receive(text);
  });
  subscriber.on('close', () => replica.lost());
  subscriber.on('ready', replica.resync);
  replica.start();

  return replica.toStore({
    async revoke(input) {
      const revocation: Revocation = { ...normalizeRevocationInput(input), revokedAt: replica.now() };
      const field = `${revocation.kind}:${revocation.value}`;
      const json = JSON.stringify(revocation);
      const result = await client.multi().hsetnx(hashKey, field, json).hget(hashKey, field).exec();
      const stored = result?.[1]?.[1];
      const kept = typeof stored === 'string' ? (parseRevocation(stored) ?? revocation) : revocation;
      await client.publish(channel, JSON.stringify({ type: 'revoked', revocation: kept }));
      replica.add(kept);
      return kept;
    },
    async close() {
      if (!replica.stop()) return;
      subscriber.disconnect();
      if (!owned) return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  });
}
