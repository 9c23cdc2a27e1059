/**
 * Durability and cross-process atomicity of the durable approval stores: a process that proposed
 * requests is killed (SIGKILL) and a new one finds them, approvals decided before the kill still
 * work after it, and several processes racing for the same approvals consume each exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestActionDigest } from '@palisade/approval';
import { actionDigest } from '@palisade/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openService, openStore, restartProposal } from './approval-restart-child.js';
import { POSTGRES_URL, REDIS_URL, requireService } from './support/services.js';

const hasPg = await requireService('postgres');
const hasRedis = await requireService('redis');
const CHILD = fileURLToPath(new URL('./approval-restart-child.ts', import.meta.url));
const suffix = randomBytes(4).toString('hex');
const directory = mkdtempSync(join(tmpdir(), 'palisade-approval-restart-'));
const keyHex = randomBytes(32).toString('hex');

const stores = [
  { name: 'sqlite', available: true, url: `sqlite:${join(directory, 'approvals.db')}` },
  { name: 'postgres', available: hasPg, url: `${POSTGRES_URL}#approvals_restart_${suffix}` },
  { name: 'redis', available: hasRedis, url: `${REDIS_URL}#palisade-test:restart:${suffix}` },
];

function startChild(args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@palisade/source', '--import', 'tsx', '--no-warnings', CHILD, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Resolves with the first JSON line the child prints. */
function firstLine(child: ChildProcess): Promise<Record<string, string[]>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(out.slice(0, end)) as Record<string, string[]>);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  if (hasPg) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS approvals_restart_${suffix}`);
    await client.end();
  }
  if (hasRedis) {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`{palisade-test:restart:${suffix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

for (const target of stores) {
  describe.skipIf(!target.available)(`approvals on ${target.name} across processes`, () => {
    it('keeps pending requests (and a decided approval) when the process is killed', {
      timeout: 60_000,
    }, async () => {
      const child = startChild(['propose', target.url, keyHex, '5']);
      const { ids } = await firstLine(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const store = openStore(target.url);
      const service = openService(store, keyHex);
      try {
        const pending = (await service.listPending()).filter((request) => ids!.includes(request.id));
        // Requests proposed within one millisecond are listed by id, so compare as sets.
        expect(pending.map((request) => request.id).sort()).toEqual(ids!.slice(1).sort());
        for (const request of pending) {
          const proposal = restartProposal(ids!.indexOf(request.id));
          expect(request).toMatchObject({ ...proposal, status: 'pending' });
          expect(request.digest).toBe(
            service.digestOf(
              actionDigest({
                tool: proposal.tool,
                input: proposal.input,
                agent: proposal.agent.id,
                user: 'alice',
              }),
            ),
          );
        }

        // Decided before the kill, consumed after it: the decision's signature still verifies.
        const approved = await service.get(ids![0]!);
        expect(approved?.status).toBe('approved');
        expect(await service.consume(approved!.id, requestActionDigest(approved!))).toMatchObject({
          ok: true,
        });

        // Pending ones can be decided and used by the new process.
        const second = pending.find((request) => request.id === ids![1])!;
        await service.decide({ approvalId: second.id, approve: true, approverCredential: 'approver-secret' });
        expect(await service.consume(second.id, requestActionDigest(second))).toMatchObject({ ok: true });
        expect(await service.consume(second.id, requestActionDigest(second))).toMatchObject({
          ok: false,
          reason: 'already-consumed',
        });
      } finally {
        service.close();
        await store.dispose();
      }
    });

    it('lets four processes race for 100 approvals and consumes each exactly once', {
      timeout: 90_000,
    }, async () => {
      const store = openStore(target.url);
      const service = openService(store, keyHex);
      const entries: string[] = [];
      try {
        await Promise.all(
          Array.from({ length: 100 }, async (_, index) => {
            const request = await service.propose(restartProposal(1000 + index));
            await service.decide({
              approvalId: request.id,
              approve: true,
              approverCredential: 'approver-secret',
            });
            entries.push(`${request.id}:${requestActionDigest(request)}`);
          }),
        );
      } finally {
        service.close();
        await store.dispose();
      }
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          firstLine(startChild(['consume', target.url, keyHex, entries.join(',')])),
        ),
      );
      const won = results.flatMap((result) => result.won!);
      expect(won).toHaveLength(100);
      expect(new Set(won).size).toBe(100);
    });
  });
}
