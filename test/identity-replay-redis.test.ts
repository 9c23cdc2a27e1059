/**
 * One-time tokens across replicas: two agent verifiers sharing one Redis replay cache accept each
 * token exactly once, sequentially and under concurrency, and refuse every token when Redis fails.
 */
import { randomUUID } from 'node:crypto';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  generateSigningKey,
  TokenReplayedError,
} from '@palisade/identity';
import { createRedisReplayCache, type RedisReplayCache } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireService } from './support/services.js';

const hasRedis = await requireService('redis');
const ISSUER = 'https://palisade.acme.example';
const AUDIENCE = 'support-api';

const key = await generateSigningKey();

describe.skipIf(!hasRedis)('one-time agent tokens through a Redis replay cache', () => {
  const keyPrefix = `palisade-test:identity-replay:${randomUUID()}`;
  const caches: RedisReplayCache[] = [];
  const registry = createAgentRegistry({ trustDomain: 'acme.example' });
  registry.register({ name: 'support-bot', owner: 'team-support', purpose: 'Answers tickets', tools: [] });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: 'acme.example',
    keys: key,
    registry,
  });
  // Each verifier stands for one replica: its own Redis connection, its own token cache.
  const replica = () => {
    const replay = createRedisReplayCache({ url: REDIS_URL, keyPrefix });
    caches.push(replay);
    return createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer.jwks(), replay });
  };

  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('a token used at one replica is refused at the other', async () => {
    const [a, b] = [replica(), replica()];
    const token = await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['support'] } });
    const principal = await a.verify(token);
    expect(principal.user?.id).toBe('alice');
    await expect(b.verify(token)).rejects.toBeInstanceOf(TokenReplayedError);
    await expect(a.verify(token)).rejects.toBeInstanceOf(TokenReplayedError);
    // Another token is unaffected.
    await expect(b.verify(await issuer.issue({ agent: 'support-bot' }))).resolves.toBeDefined();
  });

  it('50 concurrent verifications across two replicas: exactly one succeeds', async () => {
    const [a, b] = [replica(), replica()];
    const token = await issuer.issue({ agent: 'support-bot' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).verify(token)),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(TokenReplayedError);
  });

  it('fails closed: with Redis unreachable no token is accepted', async () => {
    const replay = createRedisReplayCache({ url: 'redis://127.0.0.1:1', keyPrefix });
    caches.push(replay);
    const verifier = createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer.jwks(), replay });
    const token = await issuer.issue({ agent: 'support-bot' });
    await expect(verifier.verify(token)).rejects.toThrow();
    // The token was never recorded, so a replica that can reach Redis still accepts it once.
    const healthy = replica();
    await expect(healthy.verify(token)).resolves.toBeDefined();
    await expect(healthy.verify(token)).rejects.toBeInstanceOf(TokenReplayedError);
  });
});
