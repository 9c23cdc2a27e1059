/**
 * Revocation across replicas: a token is verified in a second process through a shared store (the
 * real Redis, then the real PostgreSQL); revoking its parent in this process makes the other process
 * refuse it, and the propagation time is printed.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RevocationStore } from '@palisade/core';
import { createAgentIssuer, createAgentRegistry, generateSigningKey } from '@palisade/identity';
import { createPostgresRevocationStore } from '@palisade/store-postgres';
import { createRedisRevocationStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ReplicaReport, ReplicaTask } from './identity-revocation-replica.js';
import { POSTGRES_URL, REDIS_URL, requireService } from './support/services.js';

const REPLICA = fileURLToPath(new URL('./identity-revocation-replica.ts', import.meta.url));
const hasRedis = await requireService('redis');
const hasPostgres = await requireService('postgres');

async function scenario(
  kind: 'redis' | 'postgres',
  url: string,
  namespace: string,
  store: RevocationStore & { ready(): Promise<void> },
) {
  await store.ready();
  const registry = createAgentRegistry({ trustDomain: 'acme.example' });
  registry.register({
    name: 'support-bot',
    owner: 'team-support',
    purpose: 'Answers tickets',
    tools: ['tickets:read'],
  });
  registry.register({
    name: 'researcher',
    owner: 'team-support',
    purpose: 'Reads the KB',
    tools: ['tickets:read'],
  });
  const issuer = createAgentIssuer({
    issuer: 'https://palisade.acme.example',
    audience: 'support-api',
    trustDomain: 'acme.example',
    keys: await generateSigningKey(),
    registry,
    revocations: store,
  });
  const parent = await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['support'] } });
  const child = await issuer.delegate(parent, { agent: 'researcher' });

  const replica = fork(REPLICA, [], {
    execArgv: ['--import', 'tsx', '--conditions=@palisade/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reports: ReplicaReport[] = [];
  const next = () =>
    new Promise<ReplicaReport>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the ${kind} replica did not report within 20 s`)),
        20_000,
      );
      replica.once('message', (report: ReplicaReport) => {
        clearTimeout(timer);
        reports.push(report);
        resolve(report);
      });
    });
  try {
    const task: ReplicaTask = {
      store: kind,
      url,
      namespace,
      issuer: 'https://palisade.acme.example',
      audience: 'support-api',
      jwks: issuer.jwks(),
      token: child,
    };
    const verified = next();
    replica.send(task);
    expect(await verified).toEqual({ type: 'verified', agent: 'spiffe://acme.example/agent/researcher' });

    const refused = next();
    const revokeCalledAt = Date.now();
    await issuer.revoke({ token: parent, reason: 'leaked' });
    const report = await refused;
    expect(report).toMatchObject({ type: 'refused', code: 'ERR_TOKEN_REVOKED' });
    const latency = (report as { at: number }).at - revokeCalledAt;
    console.log(
      `Two-process revocation through ${kind}: the other process refused the child token ${latency} ms after revoke() was called on its parent`,
    );
    expect(latency).toBeLessThan(2000);
  } finally {
    replica.kill();
    await store.close();
  }
}

describe.skipIf(!hasRedis)('two processes sharing the real Redis', () => {
  it('a parent revoked here is refused (cascade) by the verifier in the other process', async () => {
    const keyPrefix = `palisade-test:identity:${randomBytes(6).toString('hex')}`;
    try {
      await scenario(
        'redis',
        REDIS_URL,
        keyPrefix,
        createRedisRevocationStore({ url: REDIS_URL, keyPrefix }),
      );
    } finally {
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });
});

describe.skipIf(!hasPostgres)('two processes sharing the real PostgreSQL', () => {
  it('a parent revoked here is refused (cascade) by the verifier in the other process', async () => {
    const tableName = `palisade_identity_${randomBytes(6).toString('hex')}`;
    try {
      await scenario(
        'postgres',
        POSTGRES_URL,
        tableName,
        createPostgresRevocationStore({ connectionString: POSTGRES_URL, tableName }),
      );
    } finally {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`DROP TABLE IF EXISTS ${tableName}`);
      await admin.end();
    }
  });
});
