/**
 * The hash-chained audit log on a real PostgreSQL: round trip, tamper detection on the stored rows,
 * and several writers (replicas) appending to one chain at once.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createAuditChain, verifyAuditChain } from '@palisade/audit';
import { createPostgresAuditChainStore } from '@palisade/store-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../packages/palisade/src/cli/commands/audit.js';
import { POSTGRES_URL, requireService } from './support/services.js';

const hasPg = await requireService('postgres');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe.skipIf(!hasPg)('Postgres audit chain store', () => {
  let pool: pg.Pool;
  const tables: string[] = [];
  const newTable = () => {
    const name = `audit_chain_${randomBytes(4).toString('hex')}`;
    tables.push(name);
    return name;
  };

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  afterAll(async () => {
    for (const table of tables) {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.query(`DROP TABLE IF EXISTS ${table}_anchors`);
    }
    await pool.end();
  });

  it('appends, de-duplicates keys across reopen, checkpoints and verifies', async () => {
    const tableName = newTable();
    const chain = createAuditChain({
      store: createPostgresAuditChainStore({ pool, tableName }),
      signingKey: privateKey,
      checkpointEvery: 50,
    });
    await Promise.all(
      Array.from({ length: 120 }, (_, index) =>
        chain.append(
          { type: 'intent', key: `intent:${index}`, data: { index } },
          { durable: index % 3 === 0 },
        ),
      ),
    );
    await chain.close();
    const reopened = createAuditChain({ store: createPostgresAuditChainStore({ pool, tableName }) });
    expect(await reopened.append({ type: 'intent', key: 'intent:7', data: {} })).toEqual({
      status: 'duplicate',
      key: 'intent:7',
    });
    await reopened.close();

    const verdict = await verifyAuditChain(createPostgresAuditChainStore({ pool, tableName }), { publicKey });
    expect(verdict).toMatchObject({
      ok: true,
      records: 123,
      checkpoints: 3,
      unsignedTail: 0,
      signatures: 'verified',
    });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${tableName}_anchors`);
    expect(rows[0].n).toBe(3);
  });

  it('detects rows modified, deleted or cut off in the database, with their position', async () => {
    const tableName = newTable();
    const chain = createAuditChain({
      store: createPostgresAuditChainStore({ pool, tableName }),
      signingKey: privateKey,
      checkpointEvery: 10,
    });
    for (let index = 0; index < 30; index += 1) await chain.append({ type: 'event', data: { index } });
    await chain.close();
    const verify = () => verifyAuditChain(createPostgresAuditChainStore({ pool, tableName }), { publicKey });

    await pool.query(
      `UPDATE ${tableName} SET line = replace(line, '"index":4}', '"index":5}') WHERE seq = 4`,
    );
    expect(await verify()).toMatchObject({ ok: false, problem: 'hash-mismatch', position: 4 });
    await pool.query(
      `UPDATE ${tableName} SET line = replace(line, '"index":5}', '"index":4}') WHERE seq = 4`,
    );
    expect((await verify()).ok).toBe(true);

    await pool.query(`DELETE FROM ${tableName} WHERE seq = 12`);
    expect(await verify()).toMatchObject({ ok: false, problem: 'out-of-sequence', position: 12 });

    await pool.query(`DELETE FROM ${tableName} WHERE seq >= 12`);
    expect(await verify()).toMatchObject({ ok: false, problem: 'truncated', position: 12 });
  });

  it('lets several replicas append to one chain at once without breaking it', async () => {
    const tableName = newTable();
    const writers = Array.from({ length: 3 }, () =>
      createAuditChain({
        store: createPostgresAuditChainStore({ connectionString: POSTGRES_URL, tableName }),
      }),
    );
    await Promise.all(
      writers.flatMap((writer, id) =>
        Array.from({ length: 60 }, (_, index) =>
          writer.append({ type: 'event', key: `w${id}:${index}`, data: { id, index } }, { durable: true }),
        ),
      ),
    );
    await Promise.all(writers.map((writer) => writer.close()));
    const verdict = await verifyAuditChain(createPostgresAuditChainStore({ pool, tableName }));
    expect(verdict).toMatchObject({ ok: true, records: 180 });
  });

  it('is verified and tailed by `palisade audit` from a postgres:// URL', async () => {
    const tableName = newTable();
    const chain = createAuditChain({
      store: createPostgresAuditChainStore({ pool, tableName }),
      signingKey: privateKey,
    });
    for (let index = 0; index < 5; index += 1)
      await chain.append({ type: 'event', data: { name: 'policy.reload', index } });
    await chain.close();
    const out: string[] = [];
    const io = {
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => out.push(text),
      env: {},
      cwd: process.cwd(),
    };
    const url = new URL(POSTGRES_URL);
    url.password = 'not-printed';
    expect(await run(['verify', POSTGRES_URL, '--table', tableName], io)).toBe(0);
    expect(out.join('')).toMatch(/^OK postgres:\/\/.*\n {2}records\s+6\n/);
    await pool.query(`UPDATE ${tableName} SET line = replace(line, '"index":2', '"index":9') WHERE seq = 2`);
    out.length = 0;
    expect(await run(['verify', POSTGRES_URL, '--table', tableName], io)).toBe(1);
    expect(out.join('')).toMatch(/hash-mismatch at line 3 \(sequence 2\)/);
    out.length = 0;
    expect(await run(['tail', POSTGRES_URL, '--table', tableName, '-n', '2'], io)).toBe(0);
    expect(out.join('')).toMatch(/checkpoint/);
    out.length = 0;
    expect(await run(['verify', url.toString(), '--table', tableName], io)).not.toBe(0);
    expect(out.join('')).not.toContain('not-printed');
  });

  it('validates its options', () => {
    expect(() => createPostgresAuditChainStore({})).toThrow(/pool or a connectionString/);
    expect(() => createPostgresAuditChainStore({ pool, tableName: 'x; DROP TABLE y' })).toThrow(/tableName/);
  });
});
