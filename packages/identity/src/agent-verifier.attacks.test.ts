/**
 * The attack matrix: tokens an attacker can craft or replay, each of which the agent verifier must
 * refuse. The count of refused cases is printed with the results.
 */
import { createHmac, sign } from 'node:crypto';
import { CredentialError, TokenExpiredError, TokenRevokedError } from '@palisade/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN_TYPE } from './agent-token.js';
import { createAgentVerifier } from './agent-verifier.js';
import { DelegationError, TokenReplayedError } from './errors.js';
import { signCompact } from './internal/sign-compact.js';
import { createMemoryReplayCache } from './memory-replay-cache.js';
import { generateSigningKey } from './signing-key.js';
import { AUDIENCE, ISSUER, makeIdentity, T0 } from './test-support/identity-fixtures.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const NOW = T0 / 1000;
const AGENT = 'spiffe://acme.example/agent/support-bot';

function baseClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: AGENT,
    aud: AUDIENCE,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 300,
    jti: 'j-1',
    scope: 'tickets:read',
    ...overrides,
  };
}

async function setup() {
  const identity = await makeIdentity();
  const es256 = await generateSigningKey({ alg: 'ES256', kid: 'es-1' });
  const attacker = await generateSigningKey({ kid: 'key-1' });
  const header = { alg: 'EdDSA', kid: 'key-1', typ: AGENT_TOKEN_TYPE };
  const forge = (claims: Record<string, unknown>, headerOverrides: Record<string, unknown> = {}) =>
    signCompact({ ...header, ...headerOverrides }, claims, identity.key);
  const verifier = createAgentVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: { keys: [identity.key.publicJwk, es256.publicJwk] },
    revocations: identity.revocations,
    trustDomain: 'acme.example',
  });
  return { ...identity, es256, attacker, header, forge, verifier };
}

type Setup = Awaited<ReturnType<typeof setup>>;
interface AttackCase {
  name: string;
  /** Produces the token; `verifier` overrides the default one. */
  run(s: Setup): Promise<{ token: string; verify?: (token: string) => Promise<unknown> }>;
  rejectsWith: typeof CredentialError | typeof DelegationError;
  message?: RegExp;
}

const CASES: AttackCase[] = [
  {
    name: 'alg "none" without a signature',
    run: async () => ({ token: `${b64({ alg: 'none', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}.` }),
    rejectsWith: CredentialError,
  },
  {
    name: 'alg "none" with a signature segment',
    run: async () => ({
      token: `${b64({ alg: 'none', kid: 'key-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}.AAAA`,
    }),
    rejectsWith: CredentialError,
    message: /unsigned/,
  },
  {
    name: 'alg "None" (case variant)',
    run: async () => ({
      token: `${b64({ alg: 'None', kid: 'key-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}.AAAA`,
    }),
    rejectsWith: CredentialError,
  },
  {
    name: 'HS256 signed with the public key (algorithm confusion)',
    run: async (s) => {
      const input = `${b64({ alg: 'HS256', kid: 'key-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}`;
      const publicPem = s.key.publicKey.export({ type: 'spki', format: 'pem' });
      const mac = createHmac('sha256', publicPem).update(input).digest('base64url');
      return { token: `${input}.${mac}` };
    },
    rejectsWith: CredentialError,
    message: /not allowed/,
  },
  {
    name: 'ES256 header on the EdDSA key (algorithm not allowed for the key)',
    run: async (s) => {
      const input = `${b64({ alg: 'ES256', kid: 'key-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}`;
      return {
        token: `${input}.${sign('sha256', Buffer.from(input), { key: s.es256.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`,
      };
    },
    rejectsWith: CredentialError,
    message: /does not allow ES256/,
  },
  {
    name: 'algorithm outside the verifier allow-list (ES256 when only EdDSA is allowed)',
    run: async (s) => ({
      token: signCompact({ alg: 'ES256', kid: 'es-1', typ: AGENT_TOKEN_TYPE }, baseClaims(), s.es256),
      verify: (token) =>
        createAgentVerifier({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: { keys: [s.es256.publicJwk] },
          algorithms: ['EdDSA'],
        }).verify(token, { now: T0 }),
    }),
    rejectsWith: CredentialError,
    message: /not allowed/,
  },
  {
    name: 'kid path traversal',
    run: async (s) => ({ token: s.forge(baseClaims(), { kid: '../../../../etc/passwd' }) }),
    rejectsWith: CredentialError,
    message: /unknown key/,
  },
  {
    name: 'unknown kid (attacker key)',
    run: async (s) => ({ token: signCompact({ ...s.header, kid: 'attacker' }, baseClaims(), s.attacker) }),
    rejectsWith: CredentialError,
    message: /unknown key/,
  },
  {
    name: 'kid of a real key, signed by an attacker key',
    run: async (s) => ({ token: signCompact(s.header, baseClaims(), s.attacker) }),
    rejectsWith: CredentialError,
    message: /signature is invalid/,
  },
  {
    name: 'no kid',
    run: async (s) => ({ token: s.forge(baseClaims(), { kid: undefined }) }),
    rejectsWith: CredentialError,
    message: /names no key/,
  },
  {
    name: 'jku header injection',
    run: async (s) => ({
      token: signCompact(
        { ...s.header, kid: 'attacker', jku: 'https://evil.example/jwks.json' },
        baseClaims(),
        s.attacker,
      ),
    }),
    rejectsWith: CredentialError,
    message: /"jku"/,
  },
  {
    name: 'x5u header injection',
    run: async (s) => ({ token: s.forge(baseClaims(), { x5u: 'https://evil.example/cert.pem' }) }),
    rejectsWith: CredentialError,
    message: /"x5u"/,
  },
  {
    name: 'embedded jwk header (attacker key)',
    run: async (s) => ({
      token: signCompact({ ...s.header, jwk: s.attacker.publicJwk }, baseClaims(), s.attacker),
    }),
    rejectsWith: CredentialError,
    message: /"jwk"/,
  },
  {
    name: 'x5c header injection',
    run: async (s) => ({ token: s.forge(baseClaims(), { x5c: ['MIIB'] }) }),
    rejectsWith: CredentialError,
  },
  {
    name: 'crit header not understood',
    run: async (s) => ({ token: s.forge(baseClaims(), { crit: ['exp'], exp: NOW }) }),
    rejectsWith: CredentialError,
    message: /crit/,
  },
  {
    name: 'expired',
    run: async (s) => ({ token: s.forge(baseClaims({ iat: NOW - 600, nbf: NOW - 600, exp: NOW - 60 })) }),
    rejectsWith: TokenExpiredError,
  },
  {
    name: 'nbf in the future',
    run: async (s) => ({ token: s.forge(baseClaims({ nbf: NOW + 60, exp: NOW + 300 })) }),
    rejectsWith: TokenExpiredError,
    message: /not valid yet/,
  },
  {
    name: 'iat in the future',
    run: async (s) => ({ token: s.forge(baseClaims({ iat: NOW + 120, nbf: NOW, exp: NOW + 300 })) }),
    rejectsWith: CredentialError,
    message: /future/,
  },
  {
    name: 'wrong iss',
    run: async (s) => ({ token: s.forge(baseClaims({ iss: 'https://evil.example' })) }),
    rejectsWith: CredentialError,
    message: /another issuer/,
  },
  {
    name: 'wrong aud',
    run: async (s) => ({ token: s.forge(baseClaims({ aud: 'billing-api' })) }),
    rejectsWith: CredentialError,
    message: /not meant for/,
  },
  {
    name: 'typ confusion: a user access token (at+jwt) from the same key',
    run: async (s) => ({ token: s.forge(baseClaims({ sub: 'alice' }), { typ: 'at+jwt' }) }),
    rejectsWith: CredentialError,
    message: /token type/,
  },
  {
    name: 'typ confusion: a plain JWT without typ',
    run: async (s) => ({ token: s.forge(baseClaims(), { typ: undefined }) }),
    rejectsWith: CredentialError,
    message: /token type/,
  },
  {
    name: 'tampered payload (scope widened)',
    run: async (s) => {
      const [header, , signature] = s.forge(baseClaims()).split('.');
      return { token: `${header}.${b64(baseClaims({ scope: 'tickets:read admin' }))}.${signature}` };
    },
    rejectsWith: CredentialError,
    message: /signature is invalid/,
  },
  {
    name: 'tampered header (kid swapped)',
    run: async (s) => {
      const [, payload, signature] = s.forge(baseClaims()).split('.');
      return { token: `${b64({ ...s.header, kid: 'es-1' })}.${payload}.${signature}` };
    },
    rejectsWith: CredentialError,
  },
  {
    name: 'truncated token (signature cut)',
    run: async (s) => ({ token: s.forge(baseClaims()).slice(0, -10) }),
    rejectsWith: CredentialError,
  },
  {
    name: 'truncated token (two segments)',
    run: async (s) => ({ token: s.forge(baseClaims()).split('.').slice(0, 2).join('.') }),
    rejectsWith: CredentialError,
    message: /three segments/,
  },
  {
    name: 'padded base64 (non-canonical encoding)',
    run: async (s) => ({ token: `${s.forge(baseClaims())}=` }),
    rejectsWith: CredentialError,
  },
  {
    name: 'JSON serialisation instead of compact',
    run: async (s) => {
      const [protectedHeader, payload, signature] = s.forge(baseClaims()).split('.');
      return { token: JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] }) };
    },
    rejectsWith: CredentialError,
  },
  {
    name: 'ES256 signature with r = s = 0',
    run: async () => {
      const input = `${b64({ alg: 'ES256', kid: 'es-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}`;
      return { token: `${input}.${Buffer.alloc(64).toString('base64url')}` };
    },
    rejectsWith: CredentialError,
    message: /signature is invalid/,
  },
  {
    name: 'ES256 signature in DER instead of raw r||s',
    run: async (s) => {
      const input = `${b64({ alg: 'ES256', kid: 'es-1', typ: AGENT_TOKEN_TYPE })}.${b64(baseClaims())}`;
      return {
        token: `${input}.${sign('sha256', Buffer.from(input), s.es256.privateKey).toString('base64url')}`,
      };
    },
    rejectsWith: CredentialError,
    message: /signature is invalid/,
  },
  {
    name: 'lifetime longer than the verifier allows',
    run: async (s) => ({ token: s.forge(baseClaims({ exp: NOW + 86_400 })) }),
    rejectsWith: CredentialError,
    message: /longer than/,
  },
  {
    name: 'agent outside the trust domain',
    run: async (s) => ({ token: s.forge(baseClaims({ sub: 'spiffe://evil.example/agent/support-bot' })) }),
    rejectsWith: CredentialError,
    message: /trust domain/,
  },
  {
    name: 'delegation chain deeper than allowed',
    run: async (s) => {
      const names = ['a', 'b', 'c', 'd', 'e'].map((name) => `spiffe://acme.example/agent/${name}`);
      let act: Record<string, unknown> | undefined;
      for (const name of names.slice(1)) act = act ? { sub: name, act } : { sub: name };
      return { token: s.forge(baseClaims({ sub: names[0], act, ancestors: ['p1', 'p2', 'p3', 'p4'] })) };
    },
    rejectsWith: CredentialError,
    message: /deeper than allowed/,
  },
  {
    name: 'actor chain without matching ancestors (cascade evasion)',
    run: async (s) => ({
      token: s.forge(
        baseClaims({
          sub: 'alice',
          act: { sub: AGENT, act: { sub: 'spiffe://acme.example/agent/researcher' } },
        }),
      ),
    }),
    rejectsWith: CredentialError,
    message: /ancestors/,
  },
  {
    name: 'revoked token id',
    run: async (s) => {
      const token = await s.issuer.issue({ agent: 'support-bot' });
      await s.issuer.revoke({ token });
      return { token };
    },
    rejectsWith: TokenRevokedError,
  },
  {
    name: 'child token whose parent was revoked',
    run: async (s) => {
      const parent = await s.issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: [] } });
      const child = await s.issuer.delegate(parent, { agent: 'researcher' });
      await s.verifier.verify(child, { now: T0 });
      await s.issuer.revoke({ token: parent });
      return { token: child };
    },
    rejectsWith: TokenRevokedError,
  },
  {
    name: 'delegated token wider than its parent (scopes)',
    run: async (s) => {
      const parent = await s.issuer.issue({ agent: 'support-bot', scopes: ['tickets:read'] });
      return {
        token: await s.issuer.delegate(parent, { agent: 'researcher', scopes: ['tickets:read', 'kb:read'] }),
      };
    },
    rejectsWith: DelegationError,
    message: /wider than the parent/,
  },
  {
    name: 'delegated token wider than its parent (expiry)',
    run: async (s) => {
      const parent = await s.issuer.issue({ agent: 'support-bot', ttlSeconds: 30 });
      return { token: await s.issuer.delegate(parent, { agent: 'researcher', ttlSeconds: 300 }) };
    },
    rejectsWith: DelegationError,
    message: /later than the parent/,
  },
  {
    name: 'revoked signing key (kill switch)',
    run: async (s) => {
      const token = await s.issuer.issue({ agent: 'support-bot' });
      await s.issuer.revoke({ keyId: 'key-1' });
      return { token };
    },
    rejectsWith: TokenRevokedError,
  },
  {
    name: 'one-time token replayed',
    run: async (s) => {
      const token = await s.issuer.issue({ agent: 'support-bot' });
      const once = createAgentVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: s.issuer,
        replay: createMemoryReplayCache({ now: s.now }),
      });
      await once.verify(token, { now: T0 });
      return { token, verify: (presented) => once.verify(presented, { now: T0 }) };
    },
    rejectsWith: TokenReplayedError,
  },
  {
    name: 'oversized token',
    run: async (s) => ({ token: s.forge(baseClaims({ padding: 'x'.repeat(10_000) })) }),
    rejectsWith: CredentialError,
    message: /longer than/,
  },
];

describe('attack matrix: every case is refused', () => {
  let refused = 0;
  afterAll(() => {
    console.log(`Attack matrix: ${refused}/${CASES.length} attacks refused`);
  });
  for (const attack of CASES) {
    it(attack.name, async () => {
      const s = await setup();
      let outcome: unknown;
      try {
        const { token, verify } = await attack.run(s);
        outcome = await (verify ?? ((presented: string) => s.verifier.verify(presented, { now: T0 })))(token);
      } catch (error) {
        outcome = error;
      }
      expect(attack.rejectsWith.isInstance(outcome), `${attack.name}: got ${String(outcome)}`).toBe(true);
      if (attack.message) expect((outcome as Error).message).toMatch(attack.message);
      refused += 1;
    });
  }
  it('the same verifier accepts a genuine token (the matrix is not vacuous)', async () => {
    const s = await setup();
    await expect(s.verifier.verify(s.forge(baseClaims()), { now: T0 })).resolves.toMatchObject({
      agent: { id: AGENT },
    });
    await expect(
      s.verifier.verify(
        signCompact({ alg: 'ES256', kid: 'es-1', typ: AGENT_TOKEN_TYPE }, baseClaims(), s.es256),
        { now: T0 },
      ),
    ).resolves.toBeDefined();
  });
});
