import { TokenRevokedError } from '@palisade/core';
import { compactVerify, createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AGENT_TOKEN_TYPE } from './agent-token.js';
import { createAgentVerifier } from './agent-verifier.js';
import { createMemoryReplayCache } from './memory-replay-cache.js';
import { AUDIENCE, ISSUER, makeIdentity, T0 } from './test-support/identity-fixtures.js';

describe('createAgentVerifier', () => {
  it('validates its options at creation', async () => {
    const { issuer } = await makeIdentity();
    expect(() => createAgentVerifier({ issuer: '', audience: AUDIENCE, keys: issuer })).toThrow(/issuer/);
    expect(() => createAgentVerifier({ issuer: ISSUER, audience: [], keys: issuer })).toThrow(/audience/);
    expect(() => createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: 42 as never })).toThrow(
      /keys/,
    );
    expect(() =>
      createAgentVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: issuer,
        algorithms: ['HS256' as never],
      }),
    ).toThrow(/algorithms/);
    expect(() =>
      createAgentVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: { keys: [{ kty: 'oct', k: 'AAAA', kid: 'x' }] },
      }),
    ).toThrow(/keys/);
    expect(() =>
      createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer, cacheMaxEntries: -1 }),
    ).toThrow(/cacheMaxEntries/);
  });

  it('tokens it accepts also verify with jose (interoperability)', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { issuer } = await makeIdentity({ alg });
      const token = await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['support'] } });
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(issuer.jwks() as never), {
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: AGENT_TOKEN_TYPE,
        algorithms: [alg],
        currentDate: new Date(T0),
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.act).toEqual({ sub: 'spiffe://acme.example/agent/support-bot' });
      await expect(
        compactVerify(`${token.slice(0, -4)}AAAA`, createLocalJWKSet(issuer.jwks() as never)),
      ).rejects.toThrow();
    }
  });

  it('bounds its cache and serves repeated verifications from it', async () => {
    const { issuer } = await makeIdentity();
    const verifier = createAgentVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuer,
      cacheMaxEntries: 3,
    });
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => issuer.issue({ agent: 'support-bot' })));
    for (const token of tokens) await verifier.verify(token, { now: T0 });
    expect(verifier.cacheSize).toBe(3);
    const first = await verifier.verify(tokens[4]!, { now: T0 });
    expect(await verifier.verify(tokens[4]!, { now: T0 })).toBe(first);
    verifier.clearCache();
    expect(verifier.cacheSize).toBe(0);
  });

  it('checks revocation and registry status on cached tokens', async () => {
    const { issuer, registry, revocations } = await makeIdentity();
    const verifier = createAgentVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuer,
      revocations,
      registry,
    });
    const token = await issuer.issue({ agent: 'researcher' });
    await verifier.verify(token, { now: T0 });
    registry.setStatus('researcher', 'suspended');
    await expect(verifier.verify(token, { now: T0 })).rejects.toThrow(/researcher is suspended/);
    registry.setStatus('researcher', 'active');
    await expect(verifier.verify(token, { now: T0 })).resolves.toBeDefined();
    await revocations.revoke({ kind: 'agent', value: 'spiffe://acme.example/agent/researcher' });
    await expect(verifier.verify(token, { now: T0 })).rejects.toThrow(TokenRevokedError);
  });

  it('denies when the revocation store fails (fail closed)', async () => {
    const { issuer } = await makeIdentity();
    const verifier = createAgentVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuer,
      revocations: {
        revoke: async () => Promise.reject(new Error('down')),
        check: async () => Promise.reject(new Error('store unreachable')),
        list: async () => [],
        close: async () => undefined,
      },
    });
    await expect(verifier.verify(await issuer.issue({ agent: 'support-bot' }), { now: T0 })).rejects.toThrow(
      /store unreachable/,
    );
  });

  it('one-time tokens: accepted once, then refused; a full replay cache refuses rather than forgets', async () => {
    const { issuer, now } = await makeIdentity();
    const verifier = createAgentVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuer,
      replay: createMemoryReplayCache({ maxEntries: 2, now }),
    });
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => issuer.issue({ agent: 'support-bot' })));
    await verifier.verify(a!, { now: T0 });
    await expect(verifier.verify(a!, { now: T0 })).rejects.toThrow(/already been used/);
    await verifier.verify(b!, { now: T0 });
    await expect(verifier.verify(c!, { now: T0 })).rejects.toThrow(/replay cache is full/);
  });
});
