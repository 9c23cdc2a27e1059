import type { CredentialVerifier } from '@palisade/core';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  generateSigningKey,
} from '@palisade/identity';

/** The agent every run acts as, and the user it acts for. */
export const KIT_TRUST_DOMAIN = 'redteam.example';
export const KIT_AGENT = 'assistant';
export const KIT_AGENT_ID = `spiffe://${KIT_TRUST_DOMAIN}/agent/${KIT_AGENT}`;
export const KIT_USER = { id: 'emma', roles: ['owner'] } as const;
const ISSUER = `https://${KIT_TRUST_DOMAIN}`;
const AUDIENCE = 'redteam-tools';

/** Mints the agent's short-lived tokens and verifies them on every call. */
export interface KitIdentity {
  readonly verifier: CredentialVerifier;
  token(): Promise<string>;
}

/** A real issuer and verifier (EdDSA agent tokens): every guarded call verifies its credential. */
export async function createKitIdentity(tools: readonly string[]): Promise<KitIdentity> {
  const registry = createAgentRegistry({ trustDomain: KIT_TRUST_DOMAIN });
  registry.register({
    name: KIT_AGENT,
    owner: 'redteam',
    purpose: 'scripted red-team agent',
    tools: [...tools],
  });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: KIT_TRUST_DOMAIN,
    keys: await generateSigningKey(),
    registry,
  });
  const verifier = createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer, registry });
  return {
    verifier,
    token: () =>
      issuer.issue({
        agent: KIT_AGENT,
        user: { id: KIT_USER.id, roles: [...KIT_USER.roles] },
        ttlSeconds: 600,
      }),
  };
}
