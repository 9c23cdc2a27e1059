/** `palisade approvals` against the Postgres and Redis stores, chosen by URL. */
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApprovalService, requestActionDigest } from '@palisade/approval';
import type { ApprovalStore } from '@palisade/core';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createRedisApprovalStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../packages/palisade/src/cli/commands/approvals.js';
import { POSTGRES_URL, REDIS_URL, requireService } from './support/services.js';

const hasPg = await requireService('postgres');
const hasRedis = await requireService('redis');
const suffix = randomBytes(4).toString('hex');
const directory = mkdtempSync(join(tmpdir(), 'palisade-cli-stores-'));
const secret = randomBytes(32);
writeFileSync(join(directory, 'signing.key'), secret);

const targets = [
  {
    name: 'postgres',
    available: hasPg,
    args: ['--store', POSTGRES_URL, '--table', `approvals_cli_${suffix}`],
    open: (): ApprovalStore =>
      createPostgresApprovalStore({ connectionString: POSTGRES_URL, tableName: `approvals_cli_${suffix}` }),
  },
  {
    name: 'redis',
    available: hasRedis,
    args: ['--store', REDIS_URL, '--prefix', `palisade-test:cli:${suffix}`],
    open: (): ApprovalStore =>
      createRedisApprovalStore({ url: REDIS_URL, keyPrefix: `palisade-test:cli:${suffix}` }),
  },
];

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  if (hasPg) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS approvals_cli_${suffix}`);
    await client.end();
  }
  if (hasRedis) {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`{palisade-test:cli:${suffix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

for (const target of targets) {
  describe.skipIf(!target.available)(`palisade approvals on ${target.name}`, () => {
    it('lists, shows and approves; the app then consumes the approval once', async () => {
      const store = target.open();
      const service = createApprovalService({
        store,
        approvers: () => {
          throw new Error('decisions come from the CLI here');
        },
        signingKey: createSecretKey(secret),
      });
      try {
        const request = await service.propose({
          tool: 'rotate_credentials',
          input: { service: 'billing', scope: ['db', 'queue'] },
          effect: 'execute',
          target: 'vault',
          agent: { id: 'spiffe://acme.test/agent/ops' },
          rationale: 'Quarterly rotation',
        });
        const out: string[] = [];
        const err: string[] = [];
        const io = {
          stdout: (text: string) => out.push(text),
          stderr: (text: string) => err.push(text),
          env: {},
          cwd: directory,
        };

        expect(await run(['list', ...target.args], io)).toBe(0);
        expect(out.join('')).toContain(request.id);
        out.length = 0;
        expect(await run(['show', request.id, ...target.args], io)).toBe(0);
        expect(out.join('')).toContain(JSON.stringify(request.input, null, 2));
        expect(
          await run(
            ['approve', request.id, ...target.args, '--signing-key', 'signing.key', '--approver', 'carol'],
            io,
          ),
        ).toBe(0);
        expect(err).toEqual([]);
        expect(await service.consume(request.id, requestActionDigest(request))).toMatchObject({
          ok: true,
          decision: { approver: 'carol' },
        });
        expect(await service.consume(request.id, requestActionDigest(request))).toMatchObject({
          ok: false,
          reason: 'already-consumed',
        });
      } finally {
        service.close();
        await store.dispose();
      }
    });
  });
}
