import {
  AuditChainConflictError,
  type AuditChainHead,
  type AuditChainLine,
  type AuditChainState,
  type AuditChainStore,
} from '@palisade/core';
import pg from 'pg';

/** Options of `createPostgresAuditChainStore`: a pool you own, or a connection string. */
export interface PostgresAuditChainStoreOptions {
  /** A pool to use; the store never ends it. */
  readonly pool?: pg.Pool | undefined;
  /** Used when no pool is given; the store opens (and `close()` ends) its own pool. */
  readonly connectionString?: string | undefined;
  /** Size of the store's own pool. Default 4. */
  readonly maxConnections?: number | undefined;
  /**
   * Table name, optionally schema-qualified (`audit.chain`). Default `palisade_audit_chain`; the
   * anchored checkpoints go to `<table>_anchors`.
   */
  readonly tableName?: string | undefined;
  /** Create the tables on first use. Default `true`. */
  readonly createTable?: boolean | undefined;
}

const PAGE = 5000;
const IDENTIFIER = /^([A-Za-z_][A-Za-z0-9_]{0,50}\.)?[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/**
 * Creates an `AuditChainStore` on PostgreSQL, so several replicas can append to one tamper-evident
 * log. Each batch is one transaction that takes a transaction-scoped advisory lock on the chain,
 * checks that it extends the current head, and inserts every line with one statement; a writer
 * whose head is stale gets `AuditChainConflictError` and the chain links its records again. Durable
 * appends commit synchronously; best-effort ones with `synchronous_commit = off`.
 *
 * The anchors table lives in the same database, so someone who can rewrite the database can rewrite
 * both: the signed checkpoint spans sent to your collector are the anchor out of their reach.
 *
 * @example
 * ```ts
 * const store = createPostgresAuditChainStore({ connectionString: process.env.DATABASE_URL });
 * const chain = createAuditChain({ store, signingKey });
 * ```
 */
export function createPostgresAuditChainStore(options: PostgresAuditChainStoreOptions): AuditChainStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createPostgresAuditChainStore(): options must be an object');
  }
  if (
    options.pool === undefined &&
    (typeof options.connectionString !== 'string' || options.connectionString === '')
  ) {
    throw new TypeError('createPostgresAuditChainStore(): pass a pool or a connectionString');
  }
  const table = options.tableName ?? 'palisade_audit_chain';
  if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
    throw new TypeError(
      `createPostgresAuditChainStore(): tableName must be [schema.]identifier, got ${String(table)}`,
    );
  }
  const maxConnections = options.maxConnections ?? 4;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new TypeError('createPostgresAuditChainStore(): maxConnections must be a positive integer');
  }
  const anchors = `${table}_anchors`;
  const ownsPool = options.pool === undefined;
  const pool =
    options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: maxConnections });
  let schema: Promise<void> | undefined = options.createTable === false ? Promise.resolve() : undefined;

  function ready(): Promise<void> {
    schema ??= (async () => {
      // Replicas starting together would race on CREATE TABLE IF NOT EXISTS; the lock serialises them.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`schema:${table}`]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${table} (seq bigint PRIMARY KEY, hash text NOT NULL, type text NOT NULL, key text, line text NOT NULL)`,
        );
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${anchors} (seq bigint PRIMARY KEY, line text NOT NULL)`,
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      schema = undefined;
      throw error;
    });
    return schema;
  }

  async function* pages(sql: string): AsyncIterable<string> {
    await ready();
    let after = -1;
    for (;;) {
      const { rows } = await pool.query<{ seq: string; line: string }>(sql, [after, PAGE]);
      for (const row of rows) yield row.line;
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  return {
    async open({ recentKeys }): Promise<AuditChainState> {
      await ready();
      const last = await pool.query<{ seq: string; hash: string }>(
        `SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 1`,
      );
      const row = last.rows[0];
      const head: AuditChainHead | undefined = row
        ? { sequence: Number(row.seq), hash: row.hash }
        : undefined;
      const keys =
        recentKeys > 0
          ? await pool.query<{ key: string }>(
              `SELECT key FROM (SELECT seq, key FROM ${table} WHERE key IS NOT NULL ORDER BY seq DESC LIMIT $1) recent ORDER BY seq`,
              [recentKeys],
            )
          : { rows: [] };
      return { head, recentKeys: keys.rows.map((entry) => entry.key) };
    },
    async append(lines: readonly AuditChainLine[], { durable }): Promise<void> {
      const first = lines[0];
      if (!first) return;
      await ready();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (!durable) await client.query('SET LOCAL synchronous_commit TO OFF');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
        const { rows } = await client.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${table}`);
        const next = rows[0]?.seq === null || rows[0]?.seq === undefined ? 0 : Number(rows[0].seq) + 1;
        if (first.sequence !== next) {
          await client.query('ROLLBACK');
          throw new AuditChainConflictError(first.sequence);
        }
        await client.query(
          `INSERT INTO ${table} (seq, hash, type, key, line)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])`,
          [
            lines.map((line) => line.sequence),
            lines.map((line) => line.hash),
            lines.map((line) => line.type),
            lines.map((line) => line.key ?? null),
            lines.map((line) => line.line),
          ],
        );
        await client.query('COMMIT');
      } catch (error) {
        if (!AuditChainConflictError.isInstance(error)) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    read(): AsyncIterable<string> {
      return pages(`SELECT seq, line FROM ${table} WHERE seq > $1 ORDER BY seq LIMIT $2`);
    },
    async anchor(line: string): Promise<void> {
      const sequence = (JSON.parse(line) as { seq?: unknown }).seq;
      if (typeof sequence !== 'number') throw new TypeError('anchor(): the line is not a chain record');
      await ready();
      await pool.query(`INSERT INTO ${anchors} (seq, line) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING`, [
        sequence,
        line,
      ]);
    },
    anchors(): AsyncIterable<string> {
      return pages(`SELECT seq, line FROM ${anchors} WHERE seq > $1 ORDER BY seq LIMIT $2`);
    },
    async close(): Promise<void> {
      if (ownsPool) await pool.end();
    },
  };
}
