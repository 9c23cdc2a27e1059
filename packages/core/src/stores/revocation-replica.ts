import { createRevocationIndex } from './revocation-index.js';
import {
  REVOCATION_KINDS,
  type Revocation,
  type RevocationKind,
  type RevocationQuery,
  type RevocationStore,
} from './revocation-store.js';

/** The synchronisation options every shared revocation store takes. */
export interface RevocationSyncOptions {
  /**
   * Milliseconds between heartbeats sent through the store's channel. A store that has not heard its
   * own heartbeat for three intervals assumes its subscription is dead and refuses checks. Default 1000.
   */
  readonly heartbeatMs?: number | undefined;
  /** Milliseconds a check waits for a (re)synchronisation in progress before refusing. Default 2000. */
  readonly syncTimeoutMs?: number | undefined;
  /** Seconds an entry is kept after its `expiresAt`. Default 300. */
  readonly graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** A revocation store shared through a server, each replica answering from memory. */
export interface ReplicatedRevocationStore extends RevocationStore {
  /**
   * Resolves once the store has subscribed and loaded every revocation; rejects after `timeoutMs`
   * (default 10000).
   */
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

/**
 * What a shared revocation store must provide to keep a replica in step: the server-specific half of
 * it. Messages on the channel are JSON, `{ type: 'revoked', revocation }` or `{ type: 'heartbeat', from }`.
 */
export interface RevocationTransport {
  /**
   * Subscribes to the channel (when not subscribed already), THEN reads every stored revocation: one
   * made in between arrives by message, one made before is read, so none is missed.
   */
  load(): Promise<Iterable<Revocation | undefined>>;
  /** Sends a message on the channel; used for the heartbeat. */
  publish(message: string): Promise<void>;
  /** Whether a synchronisation may start now (the connection it needs is up). Default: always. */
  canSync?: (() => boolean) | undefined;
  /** Whether the subscription is held; a replica without one is not in sync. Default: always. */
  subscribed?: (() => boolean) | undefined;
  /** Called when the heartbeat stopped coming back, to drop the subscription that went silent. */
  onHeartbeatLost?: ((error: Error) => void) | undefined;
}

/** Options of `createRevocationReplica`; the numbers are the store's own options, validated here. */
export interface RevocationReplicaOptions extends RevocationSyncOptions {
  /** Names the store in `TypeError` messages, e.g. `createRedisRevocationStore()`. */
  readonly where: string;
  /** Names the server in refusals, e.g. `Redis`. */
  readonly server: string;
  readonly transport: RevocationTransport;
}

/**
 * The in-memory, fail-closed half of a shared revocation store: the index, the listeners, the
 * synchronisation and heartbeat bookkeeping. The store feeds it what arrives on its channel.
 */
export interface RevocationReplica {
  /** Identifies this replica's heartbeats on the channel. */
  readonly id: string;
  readonly graceSeconds: number;
  readonly now: () => number;
  /** True while loaded, subscribed, open and hearing its own heartbeat. */
  readonly synced: boolean;
  /** Starts the first synchronisation and the heartbeat. */
  start(): void;
  /** Resolves once in sync; rejects after `timeoutMs` (default 10000). */
  ready(timeoutMs?: number): Promise<void>;
  /** Adds a revocation recorded through this store (listeners hear it when it comes back by message). */
  add(revocation: Revocation): Revocation;
  /** Handles one message from the channel; anything malformed is ignored. */
  receive(payload: string): void;
  /** Marks the replica out of sync (its connection dropped); checks refuse until it has reloaded. */
  lost(error?: unknown): void;
  /** Starts a synchronisation unless in sync, closed or one is already running. */
  resync(): void;
  /** Registers a listener for announced revocations; returns a function that removes it. */
  onRevocation(listener: (revocation: Revocation) => void): () => void;
  /** The first revocation matching the query; rejects when the replica cannot vouch it is current. */
  check(query: RevocationQuery): Promise<Revocation | undefined>;
  /** Every revocation held (expired entries pruned); rejects when not in sync. */
  list(): Promise<readonly Revocation[]>;
  /** Stops the heartbeat and refuses from now on; false when already stopped. */
  stop(): boolean;
  /** The store answering from this replica, with the server-specific `revoke` and `close`. */
  toStore(methods: Pick<RevocationStore, 'revoke' | 'close'>): ReplicatedRevocationStore;
}

/**
 * Validates a revocation read from a server or a message (numbers may come as numeric strings,
 * absent fields as `null`) and returns a clean copy, or `undefined` when it is not one.
 *
 * @example
 * ```ts
 * toRevocation({ kind: 'task', value: 't-1', revokedAt: '1700000000000', expiresAt: null });
 * // { kind: 'task', value: 't-1', revokedAt: 1700000000000 }
 * ```
 */
export function toRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const kind = record.kind as RevocationKind;
  const revokedAt = Number(record.revokedAt);
  const expiresAt =
    record.expiresAt === null || record.expiresAt === undefined ? undefined : Number(record.expiresAt);
  if (!REVOCATION_KINDS.includes(kind) || typeof record.value !== 'string' || !Number.isFinite(revokedAt))
    return undefined;
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) return undefined;
  return {
    kind,
    value: record.value,
    revokedAt,
    ...(typeof record.reason === 'string' ? { reason: record.reason } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * Creates the replica a shared revocation store answers from. It refuses (fails closed) whenever it
 * cannot vouch that it holds every revocation: before the first load, after the transport reports a
 * lost connection, and when its own heartbeat has not come back for three intervals. Revocations are
 * only ever added, so a reload merges into what arrived by message meanwhile.
 *
 * @throws TypeError naming a bad option.
 * @example
 * ```ts
 * const replica = createRevocationReplica({ where: 'createMyStore()', server: 'MyServer', transport });
 * subscription.on('message', (text) => replica.receive(text));
 * replica.start();
 * await replica.check({ tokenIds: ['jti-1'], agents: [] });
 * ```
 */
export function createRevocationReplica(options: RevocationReplicaOptions): RevocationReplica {
  const { where, server, transport } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 10)
    throw new TypeError(`${where}: heartbeatMs must be >= 10`);
  const graceSeconds = options.graceSeconds ?? 300;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new TypeError(`${where}: graceSeconds must be >= 0`);
  const syncTimeoutMs = options.syncTimeoutMs ?? 2000;
  if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs < 0)
    throw new TypeError(`${where}: syncTimeoutMs must be >= 0`);
  if (typeof transport?.load !== 'function' || typeof transport.publish !== 'function')
    throw new TypeError(`${where}: transport needs load() and publish()`);
  const now = options.now ?? Date.now;
  const canSync = transport.canSync ?? (() => true);
  const subscribed = transport.subscribed ?? (() => true);

  const id = globalThis.crypto.randomUUID();
  const heartbeatMessage = JSON.stringify({ type: 'heartbeat', from: id });
  const index = createRevocationIndex();
  const listeners = new Set<(revocation: Revocation) => void>();
  let loaded = false;
  let closed = false;
  // Heartbeats measure the wall clock the timers run on, not the injectable epoch clock.
  let lastHeartbeat = Date.now();
  let lastError: unknown;
  let syncing: Promise<void> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const fresh = () => Date.now() - lastHeartbeat <= heartbeatMs * 3;
  const synced = () => loaded && !closed && subscribed() && fresh();

  function lost(error?: unknown): void {
    if (error !== undefined) lastError = error;
    loaded = false;
  }

  function announce(revocation: Revocation): void {
    for (const listener of listeners) {
      try {
        listener(revocation);
      } catch {
        // A failing listener must not stop the others, nor the store.
      }
    }
  }

  async function load(): Promise<void> {
    const entries = await transport.load();
    for (const revocation of entries) if (revocation) index.add(revocation);
    lastHeartbeat = Date.now();
    loaded = true;
  }

  function startSync(): Promise<void> {
    syncing ??= load()
      .catch((error: unknown) => {
        lost(error);
        throw error;
      })
      .finally(() => {
        syncing = undefined;
      });
    return syncing;
  }

  function tick(): void {
    if (closed) return;
    if (loaded && !fresh()) {
      const error = new Error('heartbeat lost');
      lost(error);
      transport.onHeartbeatLost?.(error);
    }
    if (!loaded || !subscribed()) {
      if (canSync()) startSync().catch(() => undefined);
      return;
    }
    transport.publish(heartbeatMessage).catch(lost);
  }

  async function ensureSynced(): Promise<void> {
    if (synced()) return;
    if (closed) throw new Error('The revocation store is closed');
    const pending = syncing ?? (canSync() ? startSync() : undefined);
    if (pending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, syncTimeoutMs);
      });
      await Promise.race([pending.catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    if (!synced()) {
      throw new Error(`The revocation store is not in sync with ${server}; refusing to vouch for any token`, {
        cause: lastError,
      });
    }
  }

  const replica: RevocationReplica = {
    id,
    graceSeconds,
    now,
    get synced() {
      return synced();
    },
    start() {
      if (heartbeat !== undefined || closed) return;
      // A failed first load is reported through ready() and check(); it must not surface as unhandled.
      startSync().catch(() => undefined);
      heartbeat = setInterval(tick, heartbeatMs);
      heartbeat.unref?.();
    },
    async ready(timeoutMs = 10_000) {
      if (synced()) return;
      if (closed) throw new Error('The revocation store is closed');
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          syncing ?? startSync(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        throw new Error(`The revocation store could not load from ${server}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (!synced())
        throw new Error(`The revocation store is not in sync with ${server}`, { cause: lastError });
    },
    add: (revocation) => index.add(revocation),
    receive(payload) {
      let message: { type?: unknown; from?: unknown; revocation?: unknown };
      try {
        message = JSON.parse(payload) as typeof message;
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      if (message.type === 'heartbeat') {
        if (message.from === id) lastHeartbeat = Date.now();
      } else if (message.type === 'revoked') {
        const revocation = toRevocation(message.revocation);
        if (revocation) {
          index.add(revocation);
          announce(revocation);
        }
      }
    },
    lost,
    resync() {
      if (!closed && !loaded) startSync().catch(() => undefined);
    },
    onRevocation(listener) {
      if (typeof listener !== 'function') throw new TypeError('onRevocation(): listener must be a function');
      listeners.add(listener);
      return () => listeners.delete(listener);
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
    stop() {
      if (closed) return false;
      closed = true;
      clearInterval(heartbeat);
      return true;
    },
    toStore({ revoke, close }) {
      return {
        ready: replica.ready,
        get synced() {
          return synced();
        },
        onRevocation: replica.onRevocation,
        check: replica.check,
        list: replica.list,
        revoke,
        close,
      };
    },
  };
  return replica;
}
