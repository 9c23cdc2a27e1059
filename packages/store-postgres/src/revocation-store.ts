import {
  createRevocationReplica,
  normalizeRevocationInput,
  type ReplicatedRevocationStore,
  type Revocation,
  type RevocationSyncOptions,
  toRevocation,
} from '@palisade/core';
import pg from 'pg';

/** Options of `createPostgresRevocationStore`: a pool you own, or a connection string. */
export interface PostgresRevocationStoreOptions extends RevocationSyncOptions {
  /** A pool to use; the store never ends it. It holds one of its connections for `LISTEN`. */
  readonly pool?: pg.Pool | undefined;
  /** Used when no pool is given; the store opens (and `close()` ends) its own pool. */
  readonly connectionString?: string | undefined;
  /** Table name, optionally schema-qualified. Default `palisade_revocations`. */
  readonly tableName?: string | undefined;
  /** Create the table on first use. Default `true`. */
  readonly createTable?: boolean | undefined;
}

/** A revocation store shared through PostgreSQL. */
export type PostgresRevocationStore = ReplicatedRevocationStore;

interface SqlRow {
  kind: string;
  value: string;
  reason: string | null;
  expires_at: string | number | null;
  revoked_at: string | number;
}

function fromRow(row: SqlRow): Revocation | undefined {
  return toRevocation({
    kind: row.kind,
    value: row.value,
    reason: row.reason,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  });
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
  // Channel names are identifiers too; pg_notify() takes the exact (quoted) spelling.
  const channel = `${table.replace('.', '_')}_events`.slice(0, 63);
  let listener: pg.PoolClient | undefined;
  const replica = createRevocationReplica({
    where,
    server: 'PostgreSQL',
    heartbeatMs: options.heartbeatMs,
    graceSeconds: options.graceSeconds,
    syncTimeoutMs: options.syncTimeoutMs,
    now: options.now,
    transport: {
      load: () =>
        load().catch((error: unknown) => {
          dropListener(error);
          throw error;
        }),
      publish: async (message) => {
        await pool.query('SELECT pg_notify($1, $2)', [channel, message]);
      },
      subscribed: () => listener !== undefined,
      onHeartbeatLost: dropListener,
    },
  });
  const now = replica.now;
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
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
    if (message.channel === channel && message.payload !== undefined) replica.receive(message.payload);
  }

  function dropListener(error: unknown): void {
    replica.lost(error);
    const client = listener;
    listener = undefined;
    if (client) {
      client.removeListener('notification', onNotification);
      client.release(error instanceof Error ? error : true);
    }
  }

  async function load(): Promise<(Revocation | undefined)[]> {
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
      replica.graceSeconds,
      Math.floor(now() / 1000),
    ]);
    const { rows } = await pool.query<SqlRow>(
      `SELECT kind, value, reason, expires_at, revoked_at FROM ${table}`,
    );
    return rows.map(fromRow);
  }

  replica.start();

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

  return replica.toStore({
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
          replica.add(kept);
          return kept;
        }
      }
      throw new Error(`Could not record the revocation of ${revocation.kind} ${revocation.value}`);
    },
    async close() {
      if (!replica.stop()) return;
      if (listener) {
        const client = listener;
        listener = undefined;
        client.removeListener('notification', onNotification);
        await client.query(`UNLISTEN "${channel}"`).catch(() => undefined);
        client.release();
      }
      if (ownsPool) await pool.end();
    },
  });
}
