import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialError } from '@palisade/core';
import { afterEach, describe, expect, it } from 'vitest';
import { KeySetUnavailableError } from './errors.js';
import { createRemoteJwks } from './remote-jwks.js';
import { createUserTokenVerifier } from './user-token-verifier.js';

const PROVIDER = 'https://login.acme.example';
const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

interface ProviderKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function providerKey(kid: string): ProviderKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function userToken(
  key: ProviderKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const now = T0 / 1000;
  const input = [
    { alg: 'RS256', kid: key.kid, typ: 'JWT', ...header },
    {
      iss: PROVIDER,
      aud: 'support-app',
      sub: 'alice',
      iat: now,
      exp: now + 3600,
      roles: ['support'],
      tenant: 'acme',
      ...claims,
    },
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.');
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** A local JWKS endpoint whose key set and availability the test controls. */
async function jwksServer(initial: ProviderKey[]) {
  const state = { keys: initial, up: true, requests: 0 };
  const server: Server = createServer((_request, response) => {
    state.requests += 1;
    if (!state.up) {
      response.writeHead(503).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { state, url, close, server };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('createRemoteJwks + createUserTokenVerifier against a local JWKS server', () => {
  it('verifies a provider token and caches the key set', async () => {
    const k1 = providerKey('k1');
    const provider = await jwksServer([k1]);
    servers.push(provider);
    const clock = { now: T0 };
    const jwks = createRemoteJwks({ url: provider.url, now: () => clock.now });
    const users = createUserTokenVerifier({ issuer: PROVIDER, audience: 'support-app', keys: jwks });
    const user = await users.verify(userToken(k1), { now: T0 });
    expect(user).toMatchObject({
      id: 'alice',
      roles: ['support'],
      tenant: 'acme',
      expiresAt: T0 / 1000 + 3600,
    });
    await users.verify(userToken(k1, { sub: 'bob' }), { now: T0 });
    expect(provider.state.requests).toBe(1);
  });

  it('follows a key rollover by refetching for an unknown kid, at most once per cooldown', async () => {
    const k1 = providerKey('k1');
    const k2 = providerKey('k2');
    const provider = await jwksServer([k1]);
    servers.push(provider);
    const clock = { now: T0 };
    const jwks = createRemoteJwks({ url: provider.url, cooldownSeconds: 30, now: () => clock.now });
    const users = createUserTokenVerifier({ issuer: PROVIDER, audience: 'support-app', keys: jwks });
    await users.verify(userToken(k1), { now: T0 });

    provider.state.keys = [k1, k2];
    clock.now += 31_000;
    await expect(users.verify(userToken(k2), { now: clock.now })).resolves.toMatchObject({ id: 'alice' });
    expect(provider.state.requests).toBe(2);

    // Forged kids within the cooldown do not reach the provider.
    const forged = providerKey('forged');
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(users.verify(userToken(forged), { now: clock.now })).rejects.toThrow(/unknown key/);
    }
    expect(provider.state.requests).toBe(2);

    // The provider retires k1: once the cached set passes its max age, k1 is gone.
    provider.state.keys = [k2];
    await expect(users.verify(userToken(k1), { now: clock.now })).resolves.toBeDefined();
    clock.now += 601_000;
    await expect(users.verify(userToken(k1), { now: clock.now })).rejects.toThrow(/unknown key/);
  });

  it('denies every token when the provider is unreachable and no current keys are cached', async () => {
    const k1 = providerKey('k1');
    const provider = await jwksServer([k1]);
    servers.push(provider);
    provider.state.up = false;
    const users = createUserTokenVerifier({
      issuer: PROVIDER,
      audience: 'support-app',
      keys: createRemoteJwks({ url: provider.url, now: () => T0 }),
    });
    const error = await users.verify(userToken(k1), { now: T0 }).catch((caught: unknown) => caught);
    expect(KeySetUnavailableError.isInstance(error)).toBe(true);
    expect(CredentialError.isInstance(error)).toBe(true);
    expect((error as KeySetUnavailableError).code).toBe('ERR_JWKS_UNAVAILABLE');
  });

  it('denies once cached keys pass their max age while the provider is down', async () => {
    const k1 = providerKey('k1');
    const provider = await jwksServer([k1]);
    servers.push(provider);
    const clock = { now: T0 };
    const users = createUserTokenVerifier({
      issuer: PROVIDER,
      audience: 'support-app',
      keys: createRemoteJwks({
        url: provider.url,
        cacheMaxAgeSeconds: 60,
        cooldownSeconds: 10,
        now: () => clock.now,
      }),
    });
    await users.verify(userToken(k1), { now: clock.now });
    provider.state.up = false;
    clock.now += 30_000;
    await expect(users.verify(userToken(k1), { now: clock.now })).resolves.toBeDefined();
    clock.now += 31_000;
    await expect(users.verify(userToken(k1), { now: clock.now })).rejects.toThrow(KeySetUnavailableError);
    provider.state.up = true;
    clock.now += 11_000;
    await expect(users.verify(userToken(k1), { now: clock.now })).resolves.toBeDefined();
  });

  it('denies when the server cannot be reached at all (connection refused) or is too slow', async () => {
    const k1 = providerKey('k1');
    const provider = await jwksServer([k1]);
    const url = provider.url;
    await provider.close();
    const refused = createUserTokenVerifier({
      issuer: PROVIDER,
      audience: 'support-app',
      keys: createRemoteJwks({ url }),
    });
    await expect(refused.verify(userToken(k1), { now: T0 })).rejects.toThrow(KeySetUnavailableError);

    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () => {
        slow.closeAllConnections();
        return new Promise<void>((resolve) => slow.close(() => resolve()));
      },
    });
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/jwks.json`;
    const timedOut = createUserTokenVerifier({
      issuer: PROVIDER,
      audience: 'support-app',
      keys: createRemoteJwks({ url: slowUrl, timeoutMs: 200 }),
    });
    await expect(timedOut.verify(userToken(k1), { now: T0 })).rejects.toThrow(KeySetUnavailableError);
  });

  it('refuses a served key set with a duplicate kid or a private key', async () => {
    const k1 = providerKey('k1');
    const withPrivate = {
      ...k1,
      jwk: { ...k1.privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' },
    };
    for (const keys of [[k1, { ...k1, jwk: { ...k1.jwk } }], [withPrivate]]) {
      const provider = await jwksServer(keys);
      servers.push(provider);
      const users = createUserTokenVerifier({
        issuer: PROVIDER,
        audience: 'support-app',
        keys: createRemoteJwks({ url: provider.url }),
      });
      const error = await users.verify(userToken(k1), { now: T0 }).catch((caught: unknown) => caught);
      expect(KeySetUnavailableError.isInstance(error)).toBe(true);
      expect(String((error as Error).cause)).toMatch(/appears twice|private member/);
    }
  });
});

describe('createUserTokenVerifier claim checks', () => {
  const k1 = providerKey('k1');
  const users = createUserTokenVerifier({
    issuer: PROVIDER,
    audience: 'support-app',
    keys: { keys: [k1.jwk] },
  });

  it.each([
    ['another issuer', userToken(k1, { iss: 'https://evil.example' }), /another issuer/],
    ['another audience', userToken(k1, { aud: 'other-app' }), /not meant for/],
    ['expired', userToken(k1, { exp: T0 / 1000 - 10 }), /expired/],
    ['an agent token type', userToken(k1, {}, { typ: 'palisade-agent+jwt' }), /not a user token type/],
    ['a SPIFFE subject', userToken(k1, { sub: 'spiffe://acme.example/agent/bot' }), /names no user/],
    ['roles that are not strings', userToken(k1, { roles: 'admin' }), /roles/],
    [
      'HS256 with the public key',
      `${userToken(k1)
        .split('.')
        .slice(0, 2)
        .join('.')
        .replace(/^[^.]+/, Buffer.from('{"alg":"HS256","kid":"k1"}').toString('base64url'))}.AAAA`,
      /not allowed/,
    ],
  ])('refuses %s', async (_name, token, message) => {
    await expect(users.verify(token, { now: T0 })).rejects.toThrow(message);
  });
});
