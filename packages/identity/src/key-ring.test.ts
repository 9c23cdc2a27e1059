import { describe, expect, it } from 'vitest';
import { createAgentIssuer } from './agent-issuer.js';
import { createAgentVerifier } from './agent-verifier.js';
import { createKeyRing } from './key-ring.js';
import { generateSigningKey } from './signing-key.js';
import { AUDIENCE, ISSUER, makeIdentity, T0, TRUST_DOMAIN } from './test-support/identity-fixtures.js';

function kidOf(token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
}

describe('createKeyRing: rotation with overlap', () => {
  it('signs with the new kid at once and keeps the old key published until its last token expires', async () => {
    const { registry, clock, now } = await makeIdentity();
    const ring = createKeyRing({ keys: await generateSigningKey({ kid: 'old' }), graceSeconds: 60, now });
    const issuer = createAgentIssuer({
      issuer: ISSUER,
      audience: AUDIENCE,
      trustDomain: TRUST_DOMAIN,
      keys: ring,
      registry,
      now,
    });
    const verifier = createAgentVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuer,
      cacheMaxEntries: 0,
    });

    const before = await issuer.issue({ agent: 'support-bot', ttlSeconds: 300 });
    expect(kidOf(before)).toBe('old');
    clock.now += 100_000;
    ring.rotate(await generateSigningKey({ kid: 'new' }));
    const after = await issuer.issue({ agent: 'support-bot', ttlSeconds: 300 });
    expect(kidOf(after)).toBe('new');
    expect(issuer.jwks().keys.map((key) => key.kid)).toEqual(['old', 'new']);
    expect(ring.entries().find((entry) => entry.kid === 'old')).toMatchObject({
      status: 'retired',
      lastExpiry: T0 / 1000 + 300,
      publishedUntil: T0 / 1000 + 360,
    });

    // Both verify during the overlap.
    await expect(verifier.verify(before, { now: clock.now })).resolves.toBeDefined();
    await expect(verifier.verify(after, { now: clock.now })).resolves.toBeDefined();

    // Past the old key's last expiry plus grace, it is no longer published.
    clock.now = T0 + 361_000;
    expect(issuer.jwks().keys.map((key) => key.kid)).toEqual(['new']);
    await expect(verifier.verify(after, { now: clock.now })).resolves.toBeDefined();
    await expect(verifier.verify(before, { now: T0 + 200_000 })).rejects.toThrow(/unknown key/);
  });

  it('removes a retired key at once and never the active one', async () => {
    const ring = createKeyRing({
      keys: [await generateSigningKey({ kid: 'a' }), await generateSigningKey({ kid: 'b' })],
    });
    expect(ring.entries().map((entry) => [entry.kid, entry.status, entry.publishedUntil])).toEqual([
      ['a', 'active', undefined],
      ['b', 'retired', undefined],
    ]);
    expect(ring.remove('b')).toBe(true);
    expect(() => ring.remove('a')).toThrow(TypeError);
    expect(ring.jwks().keys.map((key) => key.kid)).toEqual(['a']);
  });

  it('validates its options', async () => {
    const key = await generateSigningKey({ kid: 'a' });
    expect(() => createKeyRing({ keys: [] })).toThrow(/keys/);
    expect(() => createKeyRing({ keys: [key, key] })).toThrow(/twice/);
    expect(() => createKeyRing({ keys: key, graceSeconds: -1 })).toThrow(/graceSeconds/);
    const ring = createKeyRing({ keys: key });
    expect(() => ring.rotate(key)).toThrow(/already/);
  });
});
