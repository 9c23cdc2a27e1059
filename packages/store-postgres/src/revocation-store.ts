import { randomUUID } from 'node:crypto';
import {
  createRevocationIndex,
  normalizeRevocationInput,
  REVOCATION_KINDS,
  type Revocation,
  type RevocationStore,
} from '@palisade/core';
import pg from 'pg';

/** Options of `createPostgresRevocationStore`: a pool you own, or a connection string. */
export interface PostgresRevocationStoreOptions {
  /** A pool to use; the store never ends it. It holds one of its connections for `LISTEN`. */
  readonly pool?: pg.Pool | undefined;
  /** Used when no pool is given; the store opens (and `close()` ends) its own pool. */
  readonly connectionString?: string | undefined;
  /** Table name, optionally schema-qualified. Default `palisade_revocations`. */
  readonly tableName?: string | undefined;
  /** Create the table on first use. Default `true`. */
  readonly createTable?: boolean | undefined;
  /**
   * Milliseconds between heartbeats sent through the notification channel. A store that has not heard
   * its own heartbeat for three intervals assumes its listener is dead and refuses checks. Default 1000.
   */
  readonly heartbeatMs?: number | undefined;
  /** Milliseconds a check waits for a (re)synchronisation in progress before refusing. Default 2000. */
  readonly syncTimeoutMs?: number | undefined;
  /** Seconds an entry is kept after its `expiresAt`. Default 300. */
  readonly graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** A revocation store shared through PostgreSQL. */
export interface PostgresRevocationStore extends RevocationStore {
  /** Resolves once the store listens and has loaded every revocation; rejects after `timeoutMs` (default 10000). */
  ready(timeoutMs?: number): Promise<void>;
  /** True while the store listens, is loaded and hears its heartbeat. */
  readonly synced: boolean;
  /**
   * Calls `listener` with each revocation announced on the channel (by any replica, this one
   * included), once it is in effect here. Returns a function that removes the listener. For reacting
   * to revocations (stopping running work); verification needs no listener.
   */
  onRevocation(listener: (revocation: Revocation) => void): () => void;
}

interface SqlRow {
  kind: string;
  value: string;
  reason: string | null;
  expires_at: string | number | null;
  revoked_at: string | number;
}

function fromRow(row: SqlRow): Revocation | undefined {
  return asRevocation({
    kind: row.kind,
    value: row.value,
    reason: row.reason,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  });
}

/** Validates a revocation read from the table or a notification; `undefined` when it is not one. */
function asRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const kind = record.kind as Revocation['kind'];
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
 * Creates a revocation store on PostgreSQL. Revocations are rows of one table; each insert sends a
 * `NOTIFY` in its transaction, and every replica `LISTEN`s, keeps them all in memory, and so learns of
 * a new one within milliseconds without a query per check. A replica whose listening connection
 * drops (or whose heartbeat stops coming back) refuses every check until it has listened and
 * reloaded again: verifiers then deny.
 *
 * @example
 * ```ts
 * const revocations = createPostgresRevocationStore({ connectionString: process.env.DATABASE_URL });
 * await revocations.ready();
 * const verifier = createAgentVerifier({ ...options, revocations });
 * ```
 */
export function createPostgresRevocationStore(
  options: PostgresRevocationStoreOptions,
): PostgresRevocationStore {
  const where = 'createPostgresRevocationStore()';
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: options must be an object`);
  if (
    options.pool === undefined &&
    (typeof options.connectionString !== 'string' || options.connectionString === '')
  ) {
    throw new TypeError(`${where}: pass a pool or a connectionString`);
  }
  const table = options.tableName ?? 'palisade_revocations';
  if (
    typeof table !== 'string' ||
    !/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)
  ) {
    throw new TypeError(`${where}: tableName must be [schema.]identifier, got ${String(table)}`);
  }
  const heartbeatMs = options.heartbeatMs ?? 1000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 10)
    throw new TypeError(`${where}: heartbeatMs must be >= 10`);
  const syncTimeoutMs = options.syncTimeoutMs ?? 2000;
  if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs < 0)
    throw new TypeError(`${where}: syncTimeoutMs must be >= 0`);
  const graceSeconds = options.graceSeconds ?? 300;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new TypeError(`${where}: graceSeconds must be >= 0`);
  const now = options.now ?? Date.now;
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
  // Channel names are identifiers too; pg_notify() takes the exact (quoted) spelling.
  const channel = `${table.replace('.', '_')}_events`.slice(0, 63);
  const storeId = randomUUID();
  const index = createRevocationIndex();

  let listener: pg.PoolClient | undefined;
  const listeners = new Set<(revocation: Revocation) => void>();
  let loaded = false;
  let closed = false;
  let lastHeartbeat = Date.now();
  let lastError: unknown;
  let resync: Promise<void> | undefined;
  let tableReady: Promise<void> | undefined;

  function ensureTable(): Promise<void> {
    if (options.createTable === false) return Promise.resolve();
    tableReady ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${table} (
          kind text NOT NULL,
          value text NOT NULL,
          reason text,
          expires_at bigint,
          revoked_at bigint NOT NULL,
          PRIMARY KEY (kind, value)
        )`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          // Two first uses racing on CREATE TABLE IF NOT EXISTS: the loser sees a duplicate; the table is there.
          const code = (error as { code?: unknown } | null)?.code;
          if (code === '23505' || code === '42P07') return;
          tableReady = undefined;
          throw error;
        },
      );
    return tableReady;
  }

  function onNotification(message: pg.Notification): void {
    if (message.channel !== channel || message.payload === undefined) return;
    let parsed: { type?: unknown; from?: unknown; revocation?: unknown };
    try {
      parsed = JSON.parse(message.payload) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.type === 'heartbeat') {
      if (parsed.from === storeId) lastHeartbeat = Date.now();
    } else if (parsed.type === 'revoked') {
      const revocation = asRevocation(parsed.revocation);
      if (revocation) {
        index.add(revocation);
        for (const listener of listeners) {
          try {
            listener(revocation);
          } catch {
            // A failing listener must not stop the others, nor the store.
          }
        }
      }
    }
  }

  function dropListener(error: unknown): void {
    lastError = error;
    loaded = false;
    const client = listener;
    listener = undefined;
    if (client) {
      client.removeListener('notification', onNotification);
      client.release(error instanceof Error ? error : true);
    }
  }

  async function load(): Promise<void> {
    await ensureTable();
    if (!listener) {
      const client = await pool.connect();
      client.on('notification', onNotification);
      client.on('error', (error: unknown) => {
        if (listener === client) dropListener(error);
      });
      listener = client;
      // Listen first, then read: a revocation made in between arrives by notification.
      await client.query(`LISTEN "${channel}"`);
    }
    await pool.query(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at + $1 < $2`, [
      graceSeconds,
      Math.floor(now() / 1000),
    ]);
    const { rows } = await pool.query<SqlRow>(
      `SELECT kind, value, reason, expires_at, revoked_at FROM ${table}`,
    );
    // Revocations are only ever added, so the reload merges: clearing first would drop any that arrived by message meanwhile.
    for (const row of rows) {
      const revocation = fromRow(row);
      if (revocation) index.add(revocation);
    }
    lastHeartbeat = Date.now();
    loaded = true;
  }

  function startSync(): Promise<void> {
    resync ??= load()
      .catch((error: unknown) => {
        dropListener(error);
        throw error;
      })
      .finally(() => {
        resync = undefined;
      });
    return resync;
  }

  startSync().catch(() => undefined);

  const heartbeat = setInterval(() => {
    if (closed) return;
    if (Date.now() - lastHeartbeat > heartbeatMs * 3 && listener) dropListener(new Error('heartbeat lost'));
    if (!loaded || !listener) {
      startSync().catch(() => undefined);
      return;
    }
    pool
      .query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ type: 'heartbeat', from: storeId })])
      .catch((error: unknown) => {
        lastError = error;
      });
  }, heartbeatMs);
  heartbeat.unref();

  function synced(): boolean {
    return loaded && !closed && listener !== undefined && Date.now() - lastHeartbeat <= heartbeatMs * 3;
  }

  async function ensureSynced(): Promise<void> {
    if (synced()) return;
    if (closed) throw new Error('The revocation store is closed');
    const pending = resync ?? startSync();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, syncTimeoutMs);
    });
    await Promise.race([pending.catch(() => undefined), timeout]);
    clearTimeout(timer);
    if (!synced()) {
      throw new Error(
        'The revocation store is not in sync with PostgreSQL; refusing to vouch for any token',
        {
          cause: lastError,
        },
      );
    }
  }

  const REVOKE = `
    WITH inserted AS (
      INSERT INTO ${table} (kind, value, reason, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (kind, value) DO NOTHING
      RETURNING kind, value, reason, expires_at, revoked_at
    ), kept AS (
      SELECT * FROM inserted
      UNION ALL
      SELECT kind, value, reason, expires_at, revoked_at FROM ${table}
      WHERE kind = $1 AND value = $2 AND NOT EXISTS (SELECT 1 FROM inserted)
    )
    SELECT kept.*, pg_notify($6, json_build_object('type', 'revoked', 'revocation', json_build_object(
      'kind', kind, 'value', value, 'reason', reason, 'expiresAt', expires_at, 'revokedAt', revoked_at))::text)
    FROM kept`;

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
        throw new Error('The revocation store could not load from PostgreSQL', { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (!synced())
        throw new Error('The revocation store is not in sync with PostgreSQL', { cause: lastError });
    },
    get synced() {
      return synced();
    },
    onRevocation(callback) {
      if (typeof callback !== 'function') throw new TypeError('onRevocation(): listener must be a function');
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async revoke(input) {
      const revocation = normalizeRevocationInput(input);
      await ensureTable();
      const parameters = [
        revocation.kind,
        revocation.value,
        revocation.reason ?? null,
        revocation.expiresAt ?? null,
        now(),
        channel,
      ];
      // A concurrent insert of the same target is invisible to this statement's snapshot: read again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const { rows } = await pool.query<SqlRow>(REVOKE, parameters);
        const kept = rows[0] ? fromRow(rows[0]) : undefined;
        if (kept) {
          index.add(kept);
          return kept;
        }
      }
      throw new Error(`Could not record the revocation of ${revocation.kind} ${revocation.value}`);
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
      if (listener) {
        const client = listener;
        listener = undefined;
        client.removeListener('notification', onNotification);
        await client.query(`UNLISTEN "${channel}"`).catch(() => undefined);
        client.release();
      }
      if (ownsPool) await pool.end();
    },
  };
}
