import {
  type ApprovalRequest,
  type ApprovalRow,
  type ApprovalStore,
  approvalConsumeFailure,
  approvalDecideFailure,
  fromApprovalRow,
  toApprovalRow,
} from '@palisade/core';
import { checkListLimit } from './internal/list-limit.js';
import { checkTableName } from './internal/table-name.js';

/** Options of `createSqliteApprovalStore`. */
export interface SqliteApprovalStoreOptions {
  /** Database file (created when missing), or `:memory:`. */
  readonly path: string;
  /** Table name; default `palisade_approvals`. */
  readonly tableName?: string | undefined;
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number | undefined;
}

/** Conditional updates retried when the row changed under them. */
const MAX_ATTEMPTS = 3;

interface SqlRow {
  id: string;
  digest: string;
  status: string;
  created_at: number;
  expires_at: number;
  payload: string;
  decision: string | null;
  consumed_at: number | null;
}

/**
 * Creates an `ApprovalStore` in an SQLite file through `node:sqlite`: the embedded default, with no
 * server and no dependency. Pending requests survive restarts; every transition is one
 * conditional `UPDATE`, so several processes sharing the file still consume an approval once.
 *
 * @example
 * ```ts
 * const store = createSqliteApprovalStore({ path: '.palisade/approvals.db' });
 * const service = createApprovalService({ store, approvers, signingKey });
 * ```
 */
export function createSqliteApprovalStore(options: SqliteApprovalStoreOptions): ApprovalStore {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.path !== 'string' ||
    options.path === ''
  ) {
    throw new TypeError('createSqliteApprovalStore(): path must be a non-empty string');
  }
  const table = checkTableName(
    options.tableName ?? 'palisade_approvals',
    'createSqliteApprovalStore(): tableName',
  );
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new TypeError('createSqliteApprovalStore(): busyTimeoutMs must be a non-negative integer');
  }
  // Loaded here rather than imported at the top, so that importing the package does not load
  // `node:sqlite` (and print its experimental-feature warning) for apps that never use this store.
  const { DatabaseSync } = loadNodeSqlite();
  const database = new DatabaseSync(options.path, { timeout: busyTimeoutMs });
  database.exec('PRAGMA journal_mode = WAL');
  database.exec('PRAGMA synchronous = FULL');
  database.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    decision TEXT,
    consumed_at INTEGER
  ) STRICT`);
  database.exec(`CREATE INDEX IF NOT EXISTS ${table}_status ON ${table} (status, created_at)`);

  const statements = {
    insert: database.prepare(
      `INSERT INTO ${table} (id, digest, status, created_at, expires_at, payload, decision, consumed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    get: database.prepare(`SELECT * FROM ${table} WHERE id = ?`),
    listAll: database.prepare(`SELECT * FROM ${table} ORDER BY created_at, id LIMIT ?`),
    listByStatus: database.prepare(`SELECT * FROM ${table} WHERE status = ? ORDER BY created_at, id LIMIT ?`),
    decide: database.prepare(
      `UPDATE ${table} SET status = ?, decision = ?
       WHERE id = ? AND status = 'pending' AND expires_at > ? RETURNING *`,
    ),
    consume: database.prepare(
      `UPDATE ${table} SET status = 'consumed', consumed_at = ?
       WHERE id = ? AND status = 'approved' AND digest = ? AND expires_at > ? RETURNING *`,
    ),
    expire: database.prepare(
      `UPDATE ${table} SET status = 'expired' WHERE id = ? AND status = 'pending' AND expires_at <= ? RETURNING *`,
    ),
    cancel: database.prepare(
      `UPDATE ${table} SET status = 'cancelled' WHERE id = ? AND status = 'pending' RETURNING *`,
    ),
  };

  const read = (row: unknown): ApprovalRequest | undefined =>
    row ? fromApprovalRow(fromSql(row as SqlRow)) : undefined;

  return {
    async insert(request) {
      const row = toApprovalRow(request);
      statements.insert.run(
        row.id,
        row.digest,
        row.status,
        row.createdAt,
        row.expiresAt,
        row.payload,
        row.decision,
        row.consumedAt,
      );
    },
    async get(id) {
      return read(statements.get.get(id));
    },
    async list(query = {}) {
      const limit = checkListLimit(query.limit);
      const rows =
        query.status === undefined
          ? statements.listAll.all(limit)
          : statements.listByStatus.all(query.status, limit);
      return rows.map((row) => read(row)!);
    },
    async decide(id, decision, now) {
      const status = decision.approve ? 'approved' : 'denied';
      const text = JSON.stringify(decision);
      for (let attempt = 1; ; attempt += 1) {
        const updated = read(statements.decide.get(status, text, id, now));
        if (updated) return { ok: true, request: updated };
        // Another process may have changed the row between the update and this read.
        const current = read(statements.get.get(id));
        const failure = approvalDecideFailure(current, now);
        if (failure || attempt === MAX_ATTEMPTS)
          return { ok: false, reason: failure ?? 'not-pending', request: current };
      }
    },
    async consume(id, digest, now) {
      for (let attempt = 1; ; attempt += 1) {
        const updated = read(statements.consume.get(now, id, digest, now));
        if (updated) return { ok: true, request: updated };
        const current = read(statements.get.get(id));
        const failure = approvalConsumeFailure(current, digest, now);
        if (failure || attempt === MAX_ATTEMPTS)
          return { ok: false, reason: failure ?? 'pending', request: current };
      }
    },
    async close(id, status, now) {
      const row = status === 'expired' ? statements.expire.get(id, now) : statements.cancel.get(id);
      return read(row);
    },
    async dispose() {
      if (database.isOpen) database.close();
    },
  };
}

function fromSql(row: SqlRow): ApprovalRow {
  return {
    id: row.id,
    digest: row.digest,
    status: row.status as ApprovalRow['status'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    payload: row.payload,
    decision: row.decision,
    consumedAt: row.consumed_at,
  };
}

/**
 * `node:sqlite` ships with Node.js 22.5 and later. Older runtimes get an error that says so and
 * names the alternatives, instead of a destructuring failure deep inside the store.
 */
function loadNodeSqlite(): typeof import('node:sqlite') {
  const sqlite =
    typeof process.getBuiltinModule === 'function'
      ? (process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite') | undefined)
      : undefined;
  if (sqlite?.DatabaseSync === undefined) {
    throw new Error(
      `createSqliteApprovalStore() needs node:sqlite, which Node.js ${process.versions.node} does not have: ` +
        'use Node.js >= 22.5, or another approval store (createMemoryApprovalStore(), ' +
        '@palisade/store-postgres or @palisade/store-redis)',
    );
  }
  return sqlite;
}
