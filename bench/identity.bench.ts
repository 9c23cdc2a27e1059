/**
 * Agent identity benchmark, three figures with their ratios, measured in one run:
 *
 *   1. cold verification of an agent token (no cache) against the floor, a raw `crypto.verify` of the
 *      same bytes with the same key, and against jose's `jwtVerify` (peer);
 *   2. cached verification including the revocation check (median per call);
 *   3. revocation propagation between two processes through Redis (pub/sub) and PostgreSQL
 *      (LISTEN/NOTIFY): from `revoke()` called here to the other process having it in effect.
 *
 *   tsx --conditions=@palisade/source bench/identity.bench.ts
 */
import { fork } from 'node:child_process';
import { verify as cryptoVerify, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  createMemoryRevocationStore,
  generateSigningKey,
  type SigningAlgorithm,
} from '@palisade/identity';
import { createPostgresRevocationStore, type PostgresRevocationStore } from '@palisade/store-postgres';
import { createRedisRevocationStore, type RedisRevocationStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { isReachable, POSTGRES_URL, REDIS_URL } from '../test/support/services.js';
import { percentile } from './support.js';

const COLD_CALLS = Number(process.env.IDENTITY_BENCH_COLD_CALLS ?? 4000);
const CACHED_BATCHES = 400;
const BATCH = 1000;
const PROPAGATIONS = Number(process.env.IDENTITY_BENCH_PROPAGATIONS ?? 200);
const ISSUER = 'https://palisade.acme.example';
const AUDIENCE = 'support-api';

interface ReplicaTask {
  store: 'redis' | 'postgres';
  url: string;
  namespace: string;
}
type ParentMessage = { type: 'watch'; tokenId: string } | { type: 'stop' };
type ReplicaMessage =
  | { type: 'ready' }
  | { type: 'watching' }
  | { type: 'refused'; at: number }
  | { type: 'failed'; message: string };

type SharedStore = RedisRevocationStore | PostgresRevocationStore;

/** Absolute time in milliseconds with sub-millisecond resolution, comparable across processes. */
const clock = () => performance.timeOrigin + performance.now();

function stats(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const us = (ms: number) => `${(ms * 1000).toFixed(2)} us`;

async function setup(alg: SigningAlgorithm) {
  const registry = createAgentRegistry({ trustDomain: 'acme.example' });
  registry.register({
    name: 'support-bot',
    owner: 'team-support',
    purpose: 'Answers tickets',
    tools: ['tickets:read', 'tickets:write'],
  });
  const key = await generateSigningKey({ alg, kid: `bench-${alg}` });
  const revocations = createMemoryRevocationStore();
  // A realistic revocation list: the check must find nothing among a thousand entries.
  for (let i = 0; i < 1000; i++)
    await revocations.revoke({ kind: 'token', value: `revoked-${i}`, expiresAt: 4_000_000_000 });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: 'acme.example',
    keys: key,
    registry,
    revocations,
  });
  const token = await issuer.issue({
    agent: 'support-bot',
    user: { id: 'alice', roles: ['support'], tenant: 'acme' },
    task: 'task-1',
  });
  return { key, revocations, issuer, token };
}

async function coldFigures(alg: SigningAlgorithm) {
  const { key, revocations, issuer, token } = await setup(alg);
  const jwks = issuer.jwks();
  const cold = createAgentVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: jwks,
    revocations,
    cacheMaxEntries: 0,
  });
  const [headerSegment, payloadSegment, signatureSegment] = token.split('.');
  const data = Buffer.from(`${headerSegment}.${payloadSegment}`);
  const signature = Buffer.from(signatureSegment!, 'base64url');
  const raw =
    alg === 'EdDSA'
      ? () => cryptoVerify(null, data, key.publicKey, signature)
      : () => cryptoVerify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE, typ: 'palisade-agent+jwt', algorithms: [alg] };

  // Warm up, then alternate small batches of the floor and one contender, so the drift of a shared
  // machine hits both alike; each contender is paired with its own floor run (jose's garbage must not
  // slow Palisade's batches, nor the reverse). A sample is the mean of one batch of 20 calls.
  for (let i = 0; i < 300; i++) {
    raw();
    await cold.verify(token);
    await jwtVerify(token, key.publicKey, joseOptions);
  }
  const batch = 20;
  async function paired(
    contender: () => Promise<unknown>,
  ): Promise<{ floor: number[]; contender: number[]; ratios: number[] }> {
    const result = { floor: [] as number[], contender: [] as number[], ratios: [] as number[] };
    for (let round = 0; round < COLD_CALLS / batch; round++) {
      let start = performance.now();
      for (let i = 0; i < batch; i++) if (!raw()) throw new Error('raw verify failed');
      result.floor.push((performance.now() - start) / batch);
      start = performance.now();
      for (let i = 0; i < batch; i++) await contender();
      result.contender.push((performance.now() - start) / batch);
      result.ratios.push(result.contender.at(-1)! / result.floor.at(-1)!);
    }
    return result;
  }
  const palisade = await paired(() => cold.verify(token));
  const jose = await paired(() => jwtVerify(token, key.publicKey, joseOptions));
  const samples = {
    raw: palisade.floor,
    palisade: palisade.contender,
    jose: jose.contender,
    joseFloor: jose.floor,
  };
  // The ratio is the median of per-pair ratios: adjacent batches see the same machine load.
  return {
    raw: stats(samples.raw),
    palisade: stats(samples.palisade),
    jose: stats(samples.jose),
    ratio: stats(palisade.ratios).p50,
    joseRatio: stats(jose.ratios).p50,
  };
}

async function cachedFigures() {
  const { revocations, issuer, token } = await setup('EdDSA');
  const verifier = createAgentVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: issuer.jwks(),
    revocations,
  });
  await verifier.verify(token);
  const now = Date.now();
  const options = { now, audience: AUDIENCE };
  for (let i = 0; i < 50_000; i++) await verifier.verify(token, options);
  const perCall: number[] = [];
  for (let batch = 0; batch < CACHED_BATCHES; batch++) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) await verifier.verify(token, options);
    perCall.push((performance.now() - start) / BATCH);
  }
  const floor: number[] = [];
  const empty = async () => undefined;
  for (let batch = 0; batch < CACHED_BATCHES; batch++) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) await empty();
    floor.push((performance.now() - start) / BATCH);
  }
  return { cached: stats(perCall), floor: stats(floor) };
}

async function propagation(
  kind: 'redis' | 'postgres',
  url: string,
): Promise<{ p50: number; p99: number; max: number } | string> {
  if (!(await isReachable(url))) return `skipped: ${kind} is not reachable at ${url}`;
  const namespace =
    kind === 'redis'
      ? `palisade-bench:revocations:${randomBytes(4).toString('hex')}`
      : `palisade_bench_revocations_${randomBytes(4).toString('hex')}`;
  const store: SharedStore =
    kind === 'redis'
      ? createRedisRevocationStore({ url, keyPrefix: namespace })
      : createPostgresRevocationStore({ connectionString: url, tableName: namespace });
  await store.ready();
  const replica = fork(fileURLToPath(import.meta.url), ['--replica'], {
    execArgv: ['--import', 'tsx', '--conditions=@palisade/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<ReplicaMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} replica silent for 10 s`)), 10_000);
      replica.once('message', (message: ReplicaMessage) => {
        clearTimeout(timer);
        if (message.type === 'failed') reject(new Error(message.message));
        else resolve(message);
      });
    });
  const latencies: number[] = [];
  try {
    const ready = next();
    replica.send({ store: kind, url, namespace } satisfies ReplicaTask);
    await ready;
    for (let i = 0; i < PROPAGATIONS; i++) {
      const tokenId = `bench-${i}-${randomBytes(4).toString('hex')}`;
      const watching = next();
      replica.send({ type: 'watch', tokenId } satisfies ParentMessage);
      await watching;
      const refused = next();
      const start = clock();
      await store.revoke({ kind: 'token', value: tokenId, expiresAt: Math.floor(Date.now() / 1000) + 60 });
      const report = (await refused) as { at: number };
      latencies.push(report.at - start);
    }
    replica.send({ type: 'stop' } satisfies ParentMessage);
  } finally {
    replica.kill();
    await store.close();
    if (kind === 'redis') {
      const admin = new Redis(url);
      const keys = await admin.keys(`${namespace}:*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    } else {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP TABLE IF EXISTS ${namespace}`);
      await admin.end();
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return { ...stats(latencies), max: sorted[sorted.length - 1]! };
}

/** The other process: watches for one token id at a time and reports when its store sees it revoked. */
async function replicaMain(): Promise<void> {
  const send = (message: ReplicaMessage) => process.send?.(message);
  let store: SharedStore | undefined;
  process.once('message', async (task: ReplicaTask) => {
    try {
      store =
        task.store === 'redis'
          ? createRedisRevocationStore({ url: task.url, keyPrefix: task.namespace })
          : createPostgresRevocationStore({ connectionString: task.url, tableName: task.namespace });
      await store.ready();
      send({ type: 'ready' });
    } catch (error) {
      send({ type: 'failed', message: String(error) });
    }
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'stop') {
        void store?.close().finally(() => process.exit(0));
        return;
      }
      // Woken by the store's announcement rather than by polling, so the replica does not burn the
      // CPU the other process and the server need; the check confirms the revocation is in effect.
      const query = { tokenIds: [message.tokenId], agents: [] };
      const stop = store!.onRevocation((revocation) => {
        if (revocation.value !== message.tokenId) return;
        stop();
        store!.check(query).then(
          (revoked) =>
            send(
              revoked
                ? { type: 'refused', at: clock() }
                : { type: 'failed', message: 'announced but not in effect' },
            ),
          (error: unknown) => send({ type: 'failed', message: String(error) }),
        );
      });
      send({ type: 'watching' });
    });
  });
}

async function main(): Promise<void> {
  console.log(
    `Node ${process.version}; cold: ${COLD_CALLS} calls per verifier; cached: ${CACHED_BATCHES} x ${BATCH}; propagation: ${PROPAGATIONS} revocations\n`,
  );
  const rows: string[][] = [['figure', 'p50', 'p99', 'ratio', 'target']];
  console.log(
    'cold: means of batches of 20 calls, each run right after a batch of the floor; ratio = median of the\nper-pair ratios. cached: means of batches of 1000 calls, ratio of medians\n',
  );
  for (const alg of ['EdDSA', 'ES256'] as const) {
    const cold = await coldFigures(alg);
    const ratio = cold.ratio;
    rows.push([`${alg} raw crypto.verify (floor)`, us(cold.raw.p50), us(cold.raw.p99), '1.00x', '']);
    rows.push([
      `${alg} Palisade cold verify`,
      us(cold.palisade.p50),
      us(cold.palisade.p99),
      `${ratio.toFixed(2)}x floor`,
      alg === 'EdDSA' ? `<= 1.30x ${ratio <= 1.3 ? 'MET' : 'MISSED'}` : '',
    ]);
    rows.push([
      `${alg} jose jwtVerify (peer)`,
      us(cold.jose.p50),
      us(cold.jose.p99),
      `${cold.joseRatio.toFixed(2)}x floor`,
      '',
    ]);
  }
  const cached = await cachedFigures();
  rows.push([
    'await of an empty async function (floor)',
    us(cached.floor.p50),
    us(cached.floor.p99),
    '1.00x',
    '',
  ]);
  rows.push([
    'cached verify + revocation check',
    us(cached.cached.p50),
    us(cached.cached.p99),
    `${(cached.cached.p50 / cached.floor.p50).toFixed(2)}x floor`,
    `<= 1 us ${cached.cached.p50 <= 0.001 ? 'MET' : 'MISSED'}`,
  ]);
  for (const [kind, url] of [
    ['redis', REDIS_URL],
    ['postgres', POSTGRES_URL],
  ] as const) {
    const result = await propagation(kind, url);
    if (typeof result === 'string') {
      rows.push([`${kind} propagation`, result, '', '', '']);
      continue;
    }
    rows.push([
      `${kind} revocation propagation (2 processes)`,
      `${result.p50.toFixed(2)} ms`,
      `${result.p99.toFixed(2)} ms`,
      `max ${result.max.toFixed(2)} ms`,
      kind === 'redis' ? `p99 <= 50 ms ${result.p99 <= 50 ? 'MET' : 'MISSED'}` : '',
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
}

if (process.argv.includes('--replica')) {
  await replicaMain();
} else {
  await main();
}
