import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, requireService } from '../../../test/support/services.js';
import { createPostgresRevocationStore, type PostgresRevocationStore } from './revocation-store.js';

const hasPostgres = await requireService('postgres');

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - started;
}

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

  it('a revocation made through one store is enforced by another within milliseconds', async () => {
    const a = open();
    const b = open();
    await Promise.all([a.ready(), b.ready()]);
    const query = { tokenIds: ['jti-1', 'parent-jti'], agents: ['spiffe://acme.example/agent/bot'] };
    expect(await b.check(query)).toBeUndefined();
    const heard: unknown[] = [];
    const stop = b.onRevocation((revocation) => heard.push(revocation));
    const revoked = await a.revoke({
      kind: 'token',
      value: 'parent-jti',
      reason: 'leaked',
      expiresAt: 4_000_000_000,
    });
    expect(revoked).toMatchObject({
      kind: 'token',
      value: 'parent-jti',
      reason: 'leaked',
      expiresAt: 4_000_000_000,
    });
    const elapsed = await until(async () => (await b.check(query)) !== undefined);
    expect(await b.check(query)).toEqual(revoked);
    expect(elapsed).toBeLessThan(1000);
    await until(() => heard.length === 1);
    expect(heard).toEqual([revoked]);
    stop();
    await a.revoke({ kind: 'task', value: 'after-stop' });
    await until(async () => (await b.check({ tokenIds: [], agents: [], task: 'after-stop' })) !== undefined);
    expect(heard).toHaveLength(1);
  });

  it('a store started later loads earlier revocations; revoking twice keeps the first', async () => {
    const a = open();
    await a.ready();
    const first = await a.revoke({ kind: 'key', value: 'key-1' });
    const second = await a.revoke({ kind: 'key', value: 'key-1', reason: 'again' });
    expect(second).toEqual(first);
    const late = open();
    await late.ready();
    expect(await late.check({ tokenIds: [], agents: [], keyId: 'key-1' })).toEqual(first);
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
    await until(() => !store.synced);
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
    await other.revoke({ kind: 'task', value: 'task-during-outage' }).catch(async () => {
      // `other` may have lost its listener too; its pool still writes once it reconnects.
      await other.ready();
      await other.revoke({ kind: 'task', value: 'task-during-outage' });
    });
    await until(() => store.synced, 10_000);
    expect(await store.check({ tokenIds: [], agents: [], task: 'task-during-outage' })).toMatchObject({
      kind: 'task',
    });
  });

  it('refuses checks after close and when PostgreSQL cannot be reached', async () => {
    const store = open();
    await store.ready();
    await store.close();
    await expect(store.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/closed/);
    const unreachable = createPostgresRevocationStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      tableName,
      syncTimeoutMs: 200,
    });
    stores.push(unreachable);
    await expect(unreachable.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(/not in sync/);
  });

  it('validates its options', () => {
    expect(() => createPostgresRevocationStore({ tableName })).toThrow(/pool or a connectionString/);
    expect(() =>
      createPostgresRevocationStore({ connectionString: POSTGRES_URL, tableName: 'x; drop' }),
    ).toThrow(/tableName/);
  });
});
