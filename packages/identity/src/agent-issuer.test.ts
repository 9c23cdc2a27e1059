import { generateKeyPairSync, sign } from 'node:crypto';
import { CredentialError, TokenExpiredError, TokenRevokedError } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { createAgentIssuer } from './agent-issuer.js';
import { AGENT_TOKEN_TYPE } from './agent-token.js';
import { DelegationError, IssuanceError } from './errors.js';
import type { JsonWebKeySet } from './signing-key.js';
import { AUDIENCE, ISSUER, makeIdentity, T0 } from './test-support/identity-fixtures.js';
import { createUserTokenVerifier } from './user-token-verifier.js';

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(claims!, 'base64url').toString()),
  };
}

describe('createAgentIssuer + createAgentVerifier', () => {
  it('issues an EdDSA agent token on behalf of a user and verifies it into a Principal', async () => {
    const { issuer, verifier } = await makeIdentity();
    const token = await issuer.issue({
      agent: 'support-bot',
      user: { id: 'alice', roles: ['support'], tenant: 'acme' },
      scopes: ['tickets:read'],
      task: 'task-42',
      ttlSeconds: 120,
    });
    const { header, claims } = decode(token);
    expect(header).toEqual({ alg: 'EdDSA', kid: 'key-1', typ: AGENT_TOKEN_TYPE });
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: 'alice',
      aud: AUDIENCE,
      iat: T0 / 1000,
      nbf: T0 / 1000,
      exp: T0 / 1000 + 120,
      act: { sub: 'spiffe://acme.example/agent/support-bot' },
      scope: 'tickets:read',
      roles: ['support'],
      tenant: 'acme',
      task: 'task-42',
    });
    expect(typeof claims.jti).toBe('string');

    const principal = await verifier.verify(token, { now: T0 + 1000, audience: AUDIENCE });
    expect(principal).toEqual({
      agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot', instance: undefined },
      user: { id: 'alice', roles: ['support'], tenant: 'acme' },
      delegation: ['alice', 'spiffe://acme.example/agent/support-bot'],
      scopes: ['tickets:read'],
      allowedTools: ['tickets:read'],
      task: 'task-42',
      tokenId: claims.jti,
      issuer: ISSUER,
      expiresAt: T0 / 1000 + 120,
      claims: { tenant: 'acme' },
    });
    expect(Object.isFrozen(principal)).toBe(true);
  });

  it('issues an ES256 token when asked', async () => {
    const { issuer, verifier } = await makeIdentity({ alg: 'ES256' });
    const token = await issuer.issue({ agent: 'support-bot' });
    expect(decode(token).header.alg).toBe('ES256');
    const principal = await verifier.verify(token, { now: T0 });
    expect(principal.user).toBeUndefined();
    expect(principal.delegation).toEqual(['spiffe://acme.example/agent/support-bot']);
    expect(principal.scopes).toEqual(['tickets:read', 'tickets:write', 'email:send']);
  });

  it('caps the lifetime at maxTtlSeconds', async () => {
    const { issuer } = await makeIdentity({ issuer: { maxTtlSeconds: 600 } });
    const { claims } = decode(await issuer.issue({ agent: 'support-bot', ttlSeconds: 86_400 }));
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);
  });

  it('refuses unregistered, suspended and retired agents, and scopes beyond the registration', async () => {
    const { issuer, registry } = await makeIdentity();
    await expect(issuer.issue({ agent: 'ghost' })).rejects.toThrow(IssuanceError);
    registry.setStatus('researcher', 'suspended');
    await expect(issuer.issue({ agent: 'researcher' })).rejects.toThrow(/suspended/);
    registry.setStatus('summarizer', 'retired');
    await expect(issuer.issue({ agent: 'summarizer' })).rejects.toThrow(/retired/);
    const error = await issuer
      .issue({ agent: 'support-bot', scopes: ['admin'] })
      .catch((caught: unknown) => caught);
    expect(IssuanceError.isInstance(error)).toBe(true);
    expect((error as IssuanceError).code).toBe('ERR_ISSUANCE_REFUSED');
    expect((error as Error).message).toMatch(/admin/);
  });

  it('expires tokens at exp, honouring the clock tolerance, and refuses them before nbf', async () => {
    const { issuer, verifier } = await makeIdentity({ verifier: { clockToleranceSeconds: 5 } });
    const token = await issuer.issue({ agent: 'support-bot', ttlSeconds: 60 });
    await expect(verifier.verify(token, { now: T0 + 64_000 })).resolves.toBeDefined();
    await expect(verifier.verify(token, { now: T0 + 65_000 })).rejects.toThrow(TokenExpiredError);
    await expect(verifier.verify(token, { now: T0 - 6_000 })).rejects.toThrow(TokenExpiredError);
  });

  it('refuses a token for another audience', async () => {
    const { issuer, verifier } = await makeIdentity();
    const token = await issuer.issue({ agent: 'support-bot' });
    const error = await verifier
      .verify(token, { now: T0, audience: 'billing-api' })
      .catch((caught: unknown) => caught);
    expect(CredentialError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/billing-api/);
  });

  it('lets a call narrow the audience to one of its own, never widen it to another service', async () => {
    const { issuer, verifier } = await makeIdentity({
      issuer: { audience: ['support-api', 'billing-api'] },
    });
    const token = await issuer.issue({ agent: 'support-bot' });
    await expect(verifier.verify(token, { now: T0, audience: 'support-api' })).resolves.toBeDefined();
    // The token names billing-api too, but this verifier only answers for support-api.
    const error = await verifier
      .verify(token, { now: T0, audience: 'billing-api' })
      .catch((caught: unknown) => caught);
    expect(CredentialError.isInstance(error)).toBe(true);
  });
});

describe('delegation', () => {
  it('nests the actor chain and attenuates scopes and expiry', async () => {
    const { issuer, verifier } = await makeIdentity();
    const parent = await issuer.issue({
      agent: 'support-bot',
      user: { id: 'alice', roles: ['support'] },
      scopes: ['tickets:read', 'tickets:write'],
      ttlSeconds: 300,
      task: 'task-1',
    });
    const child = await issuer.delegate(parent, {
      agent: 'researcher',
      scopes: ['tickets:read'],
      ttlSeconds: 60,
    });
    const grandchild = await issuer.delegate(child, { agent: 'summarizer' });
    const { claims } = decode(grandchild);
    expect(claims.sub).toBe('alice');
    expect(claims.act).toEqual({
      sub: 'spiffe://acme.example/agent/summarizer',
      act: {
        sub: 'spiffe://acme.example/agent/researcher',
        act: { sub: 'spiffe://acme.example/agent/support-bot' },
      },
    });
    const principal = await verifier.verify(grandchild, { now: T0 });
    expect(principal.agent.id).toBe('spiffe://acme.example/agent/summarizer');
    expect(principal.user?.id).toBe('alice');
    expect(principal.delegation).toEqual([
      'alice',
      'spiffe://acme.example/agent/support-bot',
      'spiffe://acme.example/agent/researcher',
      'spiffe://acme.example/agent/summarizer',
    ]);
    expect(principal.scopes).toEqual(['tickets:read']);
    expect(principal.task).toBe('task-1');
    expect(principal.expiresAt).toBe(T0 / 1000 + 60);
  });

  it('refuses anything wider than the parent', async () => {
    const { issuer } = await makeIdentity();
    const parent = await issuer.issue({
      agent: 'support-bot',
      scopes: ['tickets:read'],
      ttlSeconds: 60,
      task: 't-1',
    });
    const wider = await issuer
      .delegate(parent, { agent: 'researcher', scopes: ['kb:read'] })
      .catch((e: unknown) => e);
    expect(DelegationError.isInstance(wider)).toBe(true);
    expect((wider as DelegationError).code).toBe('ERR_DELEGATION_REFUSED');
    expect((wider as Error).message).toMatch(/kb:read.*wider/);
    await expect(issuer.delegate(parent, { agent: 'researcher', ttlSeconds: 61 })).rejects.toThrow(
      /later than the parent/,
    );
    await expect(issuer.delegate(parent, { agent: 'researcher', task: 't-2' })).rejects.toThrow(/task t-1/);
    await expect(issuer.delegate(parent, { agent: 'support-bot' })).rejects.toThrow(
      /already in the delegation chain/,
    );
  });

  it('enforces the maximum depth', async () => {
    const { issuer, registry } = await makeIdentity({ issuer: { maxDelegationDepth: 1 } });
    registry.register({ name: 'fourth', owner: 'o', purpose: 'p', tools: ['tickets:read'] });
    const root = await issuer.issue({ agent: 'support-bot' });
    const first = await issuer.delegate(root, { agent: 'researcher' });
    await expect(issuer.delegate(first, { agent: 'summarizer' })).rejects.toThrow(
      /depth 2 exceeds the maximum of 1/,
    );
  });

  it('revoking a parent revokes every token delegated from it', async () => {
    const { issuer, verifier } = await makeIdentity();
    const parent = await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: [] } });
    const child = await issuer.delegate(parent, { agent: 'researcher' });
    const grandchild = await issuer.delegate(child, { agent: 'summarizer' });
    await expect(verifier.verify(grandchild, { now: T0 })).resolves.toBeDefined();
    await issuer.revoke({ token: parent, reason: 'compromised' });
    for (const token of [parent, child, grandchild]) {
      await expect(verifier.verify(token, { now: T0 })).rejects.toThrow(TokenRevokedError);
    }
    await expect(issuer.delegate(parent, { agent: 'researcher' })).rejects.toThrow(TokenRevokedError);
  });
});

describe('revocation', () => {
  it('revokes by agent, task and key, on cached tokens too', async () => {
    const { issuer, verifier } = await makeIdentity();
    const byAgent = await issuer.issue({ agent: 'researcher' });
    const byTask = await issuer.issue({ agent: 'support-bot', task: 'task-9' });
    const other = await issuer.issue({ agent: 'support-bot' });
    for (const token of [byAgent, byTask, other]) await verifier.verify(token, { now: T0 });
    expect(verifier.cacheSize).toBe(3);

    await issuer.revoke({ agent: 'researcher' });
    await expect(verifier.verify(byAgent, { now: T0 })).rejects.toThrow(
      /agent spiffe:\/\/acme.example\/agent\/researcher/,
    );
    await issuer.revoke({ task: 'task-9' });
    await expect(verifier.verify(byTask, { now: T0 })).rejects.toThrow(TokenRevokedError);
    await expect(verifier.verify(other, { now: T0 })).resolves.toBeDefined();
    await issuer.revoke({ keyId: 'key-1', reason: 'kill switch' });
    await expect(verifier.verify(other, { now: T0 })).rejects.toThrow(/key key-1: kill switch/);
  });
});

describe('attested environment', () => {
  it('adds the attested environment to the token and requires it where the registration asks', async () => {
    const attested: string[] = [];
    const { issuer, verifier, registry } = await makeIdentity({
      issuer: {
        attestor: ({ agentId, instance }) => {
          attested.push(`${agentId}@${instance}`);
          return {
            runtime: 'node-24',
            region: instance === 'pod-eu' ? 'eu-west-1' : 'us-east-1',
            image_digest: 'sha256:abc',
          };
        },
      },
    });
    registry.register({
      name: 'eu-bot',
      owner: 'team-eu',
      purpose: 'Handles EU tickets',
      tools: ['tickets:read'],
      environment: { region: ['eu-west-1'], image_digest: 'sha256:abc' },
    });
    const token = await issuer.issue({ agent: 'eu-bot', instance: 'pod-eu' });
    const principal = await verifier.verify(token, { now: T0 });
    expect(principal.agent.instance).toBe('pod-eu');
    expect(principal.claims.env).toEqual({
      runtime: 'node-24',
      region: 'eu-west-1',
      image_digest: 'sha256:abc',
    });
    expect(attested).toEqual(['spiffe://acme.example/agent/eu-bot@pod-eu']);

    const elsewhere = await issuer
      .issue({ agent: 'eu-bot', instance: 'pod-us' })
      .catch((error: unknown) => error);
    expect(IssuanceError.isInstance(elsewhere)).toBe(true);
    expect((elsewhere as Error).message).toMatch(/region="us-east-1", not where it was approved to run/);
  });

  it('refuses the token when the attestor fails or when none is configured for a constrained agent', async () => {
    const failing = await makeIdentity({
      issuer: {
        attestor: () => {
          throw new Error('metadata service unreachable');
        },
      },
    });
    const error = await failing.issuer.issue({ agent: 'support-bot' }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/Attestation of .* failed/);
    expect(((error as Error).cause as Error).message).toBe('metadata service unreachable');

    const unattested = await makeIdentity();
    unattested.registry.register({
      name: 'eu-bot',
      owner: 'o',
      purpose: 'p',
      tools: ['t'],
      environment: { region: 'eu-west-1' },
    });
    await expect(unattested.issuer.issue({ agent: 'eu-bot' })).rejects.toThrow(/no attestor is configured/);

    const malformed = await makeIdentity({ issuer: { attestor: () => ({ region: 42 }) as never } });
    await expect(malformed.issuer.issue({ agent: 'support-bot' })).rejects.toThrow(
      /no environment of strings/,
    );
  });
});

describe('createAgentIssuer options', () => {
  it('validates its options at creation', async () => {
    const { registry, key } = await makeIdentity();
    const base = { issuer: ISSUER, audience: AUDIENCE, trustDomain: 'acme.example', keys: key, registry };
    expect(() => createAgentIssuer({ ...base, issuer: '' })).toThrow(/issuer/);
    expect(() => createAgentIssuer({ ...base, trustDomain: 'Not Valid' })).toThrow(/trustDomain/);
    expect(() => createAgentIssuer({ ...base, maxTtlSeconds: 0 })).toThrow(/maxTtlSeconds/);
    expect(() => createAgentIssuer({ ...base, maxTtlSeconds: 60, defaultTtlSeconds: 120 })).toThrow(
      /defaultTtlSeconds/,
    );
    expect(() => createAgentIssuer({ ...base, registry: {} as never })).toThrow(/registry/);
    expect(() => createAgentIssuer({ ...base, keys: [] })).toThrow(/keys/);
    const issuer = createAgentIssuer(base);
    await expect(
      issuer.issue({ agent: 'support-bot', user: { id: 'spiffe://x/agent/y', roles: [] } }),
    ).rejects.toThrow(TypeError);
    await expect(issuer.issue({ agent: 'support-bot', ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/);
    await expect(issuer.revoke({ task: 't' })).rejects.toThrow(/without a revocation store/);
  });
});

describe('tokens on behalf of a user never outlive the user token', () => {
  const provider = generateKeyPairSync('ed25519');
  const jwks = {
    keys: [{ ...provider.publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'EdDSA', use: 'sig' }],
  } as JsonWebKeySet;
  const users = createUserTokenVerifier({
    issuer: 'https://login.acme.example',
    audience: 'support-app',
    keys: jwks,
  });
  function userToken(expiresIn: number): string {
    const input = [
      { alg: 'EdDSA', kid: 'idp-1', typ: 'JWT' },
      {
        iss: 'https://login.acme.example',
        aud: 'support-app',
        sub: 'alice',
        iat: T0 / 1000 - 60,
        exp: T0 / 1000 + expiresIn,
        roles: ['support'],
      },
    ]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');
    return `${input}.${sign(null, Buffer.from(input), provider.privateKey).toString('base64url')}`;
  }

  it('caps exp at the verified user token expiry, and delegations with it', async () => {
    const { issuer, verifier } = await makeIdentity();
    const user = await users.verify(userToken(90), { now: T0 });
    const token = await issuer.issue({ agent: 'support-bot', user, ttlSeconds: 600 });
    expect(decode(token).claims.exp).toBe(T0 / 1000 + 90);
    const principal = await verifier.verify(token, { now: T0 + 80_000 });
    expect(principal.expiresAt).toBe(T0 / 1000 + 90);
    const child = await issuer.delegate(token, { agent: 'researcher' });
    expect(decode(child).claims.exp).toBe(T0 / 1000 + 90);
    await expect(issuer.delegate(token, { agent: 'researcher', ttlSeconds: 300 })).rejects.toBeInstanceOf(
      DelegationError,
    );
    // Past the user token's expiry (and the 5 s clock tolerance) the agent token is dead too.
    await expect(verifier.verify(token, { now: T0 + 96_000 })).rejects.toBeInstanceOf(TokenExpiredError);
    await expect(verifier.verify(child, { now: T0 + 96_000 })).rejects.toBeInstanceOf(TokenExpiredError);
  });

  it('keeps the shorter lifetime when the user token outlives the requested ttl', async () => {
    const { issuer } = await makeIdentity();
    const user = await users.verify(userToken(3600), { now: T0 });
    const token = await issuer.issue({ agent: 'support-bot', user, ttlSeconds: 120 });
    expect(decode(token).claims.exp).toBe(T0 / 1000 + 120);
  });

  it('caps at notAfter, rounding a fractional limit down', async () => {
    const { issuer } = await makeIdentity();
    const token = await issuer.issue({ agent: 'support-bot', notAfter: T0 / 1000 + 45.9 });
    expect(decode(token).claims.exp).toBe(T0 / 1000 + 45);
    const both = await issuer.issue({
      agent: 'support-bot',
      user: { id: 'alice', roles: [], expiresAt: T0 / 1000 + 30 },
      notAfter: T0 / 1000 + 60,
    });
    expect(decode(both).claims.exp).toBe(T0 / 1000 + 30);
  });

  it('refuses to issue once the user credential or notAfter has passed, and bad limits', async () => {
    const { issuer } = await makeIdentity();
    await expect(
      issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: [], expiresAt: T0 / 1000 } }),
    ).rejects.toThrow(/credential of user alice has expired/);
    await expect(issuer.issue({ agent: 'support-bot', notAfter: T0 / 1000 - 1 })).rejects.toBeInstanceOf(
      IssuanceError,
    );
    await expect(issuer.issue({ agent: 'support-bot', notAfter: Number.NaN })).rejects.toThrow(
      /notAfter must be epoch seconds/,
    );
    await expect(
      issuer.issue({
        agent: 'support-bot',
        user: { id: 'alice', roles: [], expiresAt: '2026' as unknown as number },
      }),
    ).rejects.toThrow(/user.expiresAt must be epoch seconds/);
  });
});
