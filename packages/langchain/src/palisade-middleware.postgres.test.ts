import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// Two replicas of an app: one pauses on a review, the other resumes it. They share only Postgres:
// the LangGraph checkpoint (PostgresSaver) and the approval store.
const DATABASE_URL = process.env.PALISADE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHILD = fileURLToPath(new URL('./test-support/postgres-resume-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const suffix = randomBytes(6).toString('hex');
const schema = `lc_resume_${suffix}`;
const table = `lc_resume_approvals_${suffix}`;

function replica(mode: string, ...args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@palisade/source',
        '--import',
        'tsx',
        '--no-warnings',
        CHILD,
        mode,
        DATABASE_URL,
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`replica exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP TABLE IF EXISTS ${table}`);
  } finally {
    await client.end().catch(() => undefined);
  }
});

describe.runIf(await reachable())('palisadeMiddleware across two processes on PostgresSaver', () => {
  it('resumes in another process without context, proposes nothing twice, and runs each approved call once', async () => {
    const thread = `thread-${suffix}`;
    const paused = (await replica('pause', schema, table, thread)) as {
      review: { actionRequests: { args: unknown; palisade: { approvalId: string } }[] };
      bodyCalls: number;
    };
    expect(paused.bodyCalls).toBe(0);
    expect(paused.review.actionRequests.map((action) => action.args)).toEqual([
      { amount: 40 },
      { amount: 900 },
    ]);
    const [first, second] = paused.review.actionRequests.map((action) => action.palisade.approvalId);

    const done = (await replica(
      'resume',
      schema,
      table,
      thread,
      JSON.stringify([{ type: 'approve' }, { type: 'reject', message: 'Too much for one refund' }]),
    )) as {
      results: { id: string; status: string; content: string }[];
      bodyCalls: number;
      requests: { id: string; status: string }[];
      pending: boolean;
    };
    expect(done.pending).toBe(false);
    expect(done.results).toEqual([
      { id: 'r1', status: 'success', content: 'Refunded 40 EUR' },
      { id: 'r2', status: 'error', content: 'Denied "refund" by the reviewer: Too much for one refund' },
    ]);
    expect(done.bodyCalls).toBe(1);
    // Exactly the two requests the first replica proposed: no orphan duplicate from the re-run.
    expect(done.requests.map((request) => [request.id, request.status]).sort()).toEqual(
      [
        [first, 'consumed'],
        [second, 'denied'],
      ].sort(),
    );
  }, 60_000);
});
