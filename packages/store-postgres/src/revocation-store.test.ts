import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, requireService } from '../../../test/support/services.js';
import { createPostgresRevocationStore, type PostgresRevocationStore } from './revocation-store.js';

const hasPostgres = await requireService('postgres');

describe.skipIf(!hasPostgres)('createPostgresRevocationStore on the real PostgreSQL', () => {
  const tableName = `palisade_revocations_${randomBytes(6).toString('hex')}`;
  const admin = hasPostgres ? new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) : undefined;
  const stores: PostgresRevocationStore[] = [];
  const open = (options: { heartbeatMs?: number; syncTimeoutMs?: number } = {}) => {
    const store = createPostgresRevocationStore({ connectionString: POSTGRES_URL, tableName, ...options });
    stores.push(store);
    return store;
  };

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await admin!.query(`DROP TABLE IF EXISTS ${tableName}`);
    await admin!.end();
  });

  it('refuses checks while its listener is down, and recovers with what was revoked meanwhile', async () => {
    // syncTimeoutMs 0: a check never waits for the reconnection, so the gap is observable.
    const store = open({ heartbeatMs: 50, syncTimeoutMs: 0 });
    const other = open();
    await Promise.all([store.ready(), other.ready()]);
    const { rowCount } = await admin!.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN "${tableName}_events"`],
    );
    expect(rowCount).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(store.synced).toBe(false), { timeout: 5000, interval: 1 });
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
    await other.revoke({ kind: 'task', value: 'task-during-outage' }).catch(async () => {
      // `other` may have lost its listener too; its pool still writes once it reconnects.
      await other.ready();
      await other.revoke({ kind: 'task', value: 'task-during-outage' });
    });
    await vi.waitFor(() => expect(store.synced).toBe(true), { timeout: 10_000, interval: 5 });
    // The store may have re-synced before the revocation committed; its notification then arrives
    // a moment later. Either way the revocation must be seen, and soon.
    await vi.waitFor(
      async () =>
        expect(await store.check({ tokenIds: [], agents: [], task: 'task-during-outage' })).toMatchObject({
          kind: 'task',
        }),
      { timeout: 5000, interval: 5 },
    );
  });

  it('validates its options', () => {
    expect(() => createPostgresRevocationStore({ tableName })).toThrow(/pool or a connectionString/);
    expect(() =>
      createPostgresRevocationStore({ connectionString: POSTGRES_URL, tableName: 'x; drop' }),
    ).toThrow(/tableName/);
  });
});
