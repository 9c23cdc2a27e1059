import { type AgentIssuerOptions, createAgentIssuer } from '../agent-issuer.js';
import { createAgentRegistry } from '../agent-registry.js';
import { type AgentVerifierOptions, createAgentVerifier } from '../agent-verifier.js';
import { createMemoryRevocationStore } from '../memory-revocation-store.js';
import { generateSigningKey, type SigningAlgorithm } from '../signing-key.js';

/** A fixed instant tests start from: 2026-11-02T10:00:00Z. */
export const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);
export const ISSUER = 'https://palisade.acme.example';
export const AUDIENCE = 'support-api';
export const TRUST_DOMAIN = 'acme.example';

/** A registry, issuer, verifier and revocation store sharing one controllable clock. */
export async function makeIdentity(
  settings: {
    alg?: SigningAlgorithm;
    issuer?: Partial<AgentIssuerOptions>;
    verifier?: Partial<AgentVerifierOptions>;
  } = {},
) {
  const clock = { now: T0 };
  const now = () => clock.now;
  const registry = createAgentRegistry({ trustDomain: TRUST_DOMAIN, now });
  registry.register({
    name: 'support-bot',
    owner: 'team-support',
    purpose: 'Answers support tickets',
    tools: ['tickets:read', 'tickets:write', 'email:send'],
  });
  registry.register({
    name: 'researcher',
    owner: 'team-support',
    purpose: 'Looks up knowledge-base articles',
    tools: ['tickets:read', 'kb:read'],
  });
  registry.register({
    name: 'summarizer',
    owner: 'team-support',
    purpose: 'Summarises',
    tools: ['tickets:read'],
  });
  const key = await generateSigningKey({ alg: settings.alg ?? 'EdDSA', kid: 'key-1' });
  const revocations = createMemoryRevocationStore({ now });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: TRUST_DOMAIN,
    keys: key,
    registry,
    revocations,
    now,
    ...settings.issuer,
  });
  const verifier = createAgentVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: issuer,
    revocations,
    ...settings.verifier,
  });
  return { clock, now, registry, key, revocations, issuer, verifier };
}
