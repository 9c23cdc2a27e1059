import { createHash } from 'node:crypto';
import {
  type ApprovalRequest,
  type ApprovalRow,
  type ApprovalStore,
  approvalConsumeFailure,
  approvalDecideFailure,
  fromApprovalRow,
  toApprovalRow,
} from '@palisade/core';
import pg from 'pg';

/** Options of `createPostgresApprovalStore`: a pool you own, or a connection string. */
export interface PostgresApprovalStoreOptions {
  /** A pool to use; the store never ends it. */
  readonly pool?: pg.Pool | undefined;
  /** Used when no pool is given; the store opens (and `dispose()` ends) its own pool. */
  readonly connectionString?: string | undefined;
  /** Size of the store's own pool. Default 10. */
  readonly maxConnections?: number | undefined;
  /** Table name, optionally schema-qualified (`audit.approvals`). Default `palisade_approvals`. */
  readonly tableName?: string | undefined;
  /** Create the table on first use. Default `true`. */
  readonly createTable?: boolean | undefined;
}

interface SqlRow {
  changed?: boolean;
  id: string;
  digest: string;
  status: string;
  created_at: string | number;
  expires_at: string | number;
  payload: string;
  decision: string | null;
  consumed_at: string | number | null;
}

const MAX_ATTEMPTS = 3;
const MAX_LIST_LIMIT = 1000;

/**
 * Creates an `ApprovalStore` on PostgreSQL, for apps running several replicas. Every transition is
 * one conditional `UPDATE ... RETURNING`: under concurrent consumers the row lock makes exactly one
 * of them match, and the rest see the consumed row.
 *
 * @example
 * ```ts
 * const store = createPostgresApprovalStore({ connectionString: process.env.DATABASE_URL });
 * const service = createApprovalService({ store, approvers, signingKey });
 * ```
 */
export function createPostgresApprovalStore(options: PostgresApprovalStoreOptions): ApprovalStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createPostgresApprovalStore(): options must be an object');
  }
  if (
    options.pool === undefined &&
    (typeof options.connectionString !== 'string' || options.connectionString === '')
  ) {
    throw new TypeError('createPostgresApprovalStore(): pass a pool or a connectionString');
  }
  const tableName = options.tableName ?? 'palisade_approvals';
  if (
    typeof tableName !== 'string' ||
    !/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(tableName)
  ) {
    throw new TypeError(
      `createPostgresApprovalStore(): tableName must be [schema.]identifier, got ${String(tableName)}`,
    );
  }
  const maxConnections = options.maxConnections ?? 10;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new TypeError('createPostgresApprovalStore(): maxConnections must be a positive integer');
  }
  const ownsPool = options.pool === undefined;
  const pool =
    options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: maxConnections });
  const table = tableName;
  const indexName = `${tableName.replace('.', '_')}_status`;
  let schema: Promise<void> | undefined = options.createTable === false ? Promise.resolve() : undefined;

  function ready(): Promise<void> {
    schema ??= createTable().catch((error: unknown) => {
      schema = undefined;
      throw error;
    });
    return schema;
  }

  async function createTable(): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Concurrent CREATE ... IF NOT EXISTS can still collide; one lock per table name serialises them.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`palisade:${table}`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        id text PRIMARY KEY,
        digest text NOT NULL,
        status text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        payload text NOT NULL,
        decision text,
        consumed_at bigint
      )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} (status, created_at)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  // Named statements are parsed once per connection, which matters under many concurrent callers.
  const statementPrefix = `palisade_approvals_${createHash('sha1').update(table).digest('hex').slice(0, 12)}`;

  async function queryRows(name: string, text: string, values: unknown[]): Promise<SqlRow[]> {
    await ready();
    return (await pool.query<SqlRow>({ name: `${statementPrefix}_${name}`, text, values })).rows;
  }

  async function query(name: string, text: string, values: unknown[]): Promise<ApprovalRequest[]> {
    return (await queryRows(name, text, values)).map((row) => fromApprovalRow(fromSql(row)));
  }

  const get = async (id: string) => (await query('get', `SELECT * FROM ${table} WHERE id = $1`, [id]))[0];

  return {
    async insert(request) {
      const row = toApprovalRow(request);
      await queryRows(
        'insert',
        `INSERT INTO ${table} (id, digest, status, created_at, expires_at, payload, decision, consumed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          row.id,
          row.digest,
          row.status,
          row.createdAt,
          row.expiresAt,
          row.payload,
          row.decision,
          row.consumedAt,
        ],
      );
    },
    get,
    async list(listQuery = {}) {
      const limit = listQuery.limit ?? MAX_LIST_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new TypeError(`list(): limit must be an integer in [1, ${MAX_LIST_LIMIT}]`);
      }
      return listQuery.status === undefined
        ? query('list', `SELECT * FROM ${table} ORDER BY created_at, id LIMIT $1`, [limit])
        : query('list_status', `SELECT * FROM ${table} WHERE status = $1 ORDER BY created_at, id LIMIT $2`, [
            listQuery.status,
            limit,
          ]);
    },
    async decide(id, decision, now) {
      const status = decision.approve ? 'approved' : 'denied';
      const text = JSON.stringify(decision);
      for (let attempt = 1; ; attempt += 1) {
        const [updated] = await query(
          'decide',
          `UPDATE ${table} SET status = $1, decision = $2
           WHERE id = $3 AND status = 'pending' AND expires_at > $4 RETURNING *`,
          [status, text, id, now],
        );
        if (updated) return { ok: true, request: updated };
        // Another replica may have changed the row between the update and this read.
        const current = await get(id);
        const failure = approvalDecideFailure(current, now);
        if (failure || attempt === MAX_ATTEMPTS)
          return { ok: false, reason: failure ?? 'not-pending', request: current };
      }
    },
    async consume(id, digest, now) {
      for (let attempt = 1; ; attempt += 1) {
        // One round trip: the conditional update, or else the row as this statement saw it.
        const [row] = await queryRows(
          'consume',
          `WITH updated AS (
             UPDATE ${table} SET status = 'consumed', consumed_at = $1
             WHERE id = $2 AND status = 'approved' AND digest = $3 AND expires_at > $1
             RETURNING *
           )
           SELECT true AS changed, * FROM updated
           UNION ALL
           SELECT false AS changed, * FROM ${table} WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM updated)`,
          [now, id, digest],
        );
        const request = row ? fromApprovalRow(fromSql(row)) : undefined;
        if (row?.changed && request) return { ok: true, request };
        // The fallback read uses the statement's snapshot: if it still looks consumable, a
        // concurrent consumer committed meanwhile, and a fresh statement tells which way it went.
        const failure = approvalConsumeFailure(request, digest, now);
        if (failure || attempt === MAX_ATTEMPTS) return { ok: false, reason: failure ?? 'pending', request };
      }
    },
    async close(id, status, now) {
      const [updated] =
        status === 'expired'
          ? await query(
              'expire',
              `UPDATE ${table} SET status = 'expired' WHERE id = $1 AND status = 'pending' AND expires_at <= $2 RETURNING *`,
              [id, now],
            )
          : await query(
              'cancel',
              `UPDATE ${table} SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING *`,
              [id],
            );
      return updated;
    },
    async dispose() {
      if (ownsPool) await pool.end();
    },
  };
}

function fromSql(row: SqlRow): ApprovalRow {
  return {
    id: row.id,
    digest: row.digest,
    status: row.status as ApprovalRow['status'],
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    payload: row.payload,
    decision: row.decision,
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}
