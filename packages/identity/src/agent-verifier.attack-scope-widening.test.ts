import { createMemoryRecorder, type Decision, type Enforcement, guard } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createAgentIssuer } from './agent-issuer.js';
import { createAgentRegistry } from './agent-registry.js';
import { createAgentVerifier } from './agent-verifier.js';
import { generateSigningKey } from './signing-key.js';
import { AUDIENCE, ISSUER, T0, TRUST_DOMAIN } from './test-support/identity-fixtures.js';

// Attack: a token (or a delegated token, or a token of an agent the registry restricts) is used to
// call a tool outside its scopes, with a policy that allows everything. The credential bounds the
// call before policy runs: scopes ∩ registry ∩ policy.

const allowEverything: Decision = {
  effect: 'allow',
  reason: 'anything goes',
  ruleIds: ['allow-all'],
  policyVersion: 'v1',
  obligations: [],
};

async function setup() {
  const now = () => T0;
  const registry = createAgentRegistry({ trustDomain: TRUST_DOMAIN, now });
  registry.register({
    name: 'support-bot',
    owner: 'team-support',
    purpose: 'Answers tickets',
    tools: ['get_ticket', 'export_customers'],
  });
  registry.register({
    name: 'researcher',
    owner: 'team-support',
    purpose: 'Reads tickets for the support bot',
    tools: ['get_ticket', 'export_customers'],
  });
  registry.register({
    name: 'reporter',
    owner: 'team-support',
    purpose: 'Reads tickets only',
    // Tokens may carry the scope, but the registry does not let this agent call the tool.
    tools: ['get_ticket'],
    scopes: ['get_ticket', 'export_customers'],
  });
  const key = await generateSigningKey({ kid: 'key-1' });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: TRUST_DOMAIN,
    keys: key,
    registry,
    now,
  });
  const verifier = createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer, registry });
  const decide = vi.fn(() => allowEverything);
  const enforcement: Enforcement = {
    verifier,
    decider: { decide },
    recorder: createMemoryRecorder(),
    now,
  };
  const exported = vi.fn(async () => ({ rows: 10_000 }));
  const exportCustomers = guard(
    {
      name: 'export_customers',
      description: 'Export customers',
      inputSchema: z.object({}),
      effect: 'read',
      execute: exported,
    },
    enforcement,
  );
  const getTicket = guard(
    {
      name: 'get_ticket',
      description: 'Read a ticket',
      inputSchema: z.object({ id: z.string() }),
      effect: 'read',
      execute: async ({ id }) => ({ id }),
    },
    enforcement,
  );
  return { issuer, exportCustomers, getTicket, exported, decide };
}

describe('attack: call a tool outside the credential, with a policy that allows it', () => {
  it('a token issued with scope get_ticket cannot call export_customers', async () => {
    const s = await setup();
    const token = await s.issuer.issue({ agent: 'support-bot', scopes: ['get_ticket'] });
    await expect(s.exportCustomers.call({}, { credential: token })).rejects.toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      stage: 'scope',
    });
    expect(s.exported).not.toHaveBeenCalled();
    expect(s.decide).not.toHaveBeenCalled();
    await expect(s.getTicket.call({ id: 'T-1' }, { credential: token })).resolves.toEqual({ id: 'T-1' });
  });

  it('a delegated sub-agent with narrowed scopes cannot call what its parent could', async () => {
    const s = await setup();
    const parent = await s.issuer.issue({ agent: 'support-bot' });
    await expect(s.exportCustomers.call({}, { credential: parent })).resolves.toEqual({ rows: 10_000 });
    const child = await s.issuer.delegate(parent, { agent: 'researcher', scopes: ['get_ticket'] });
    await expect(s.exportCustomers.call({}, { credential: child })).rejects.toMatchObject({ stage: 'scope' });
    expect(s.exported).toHaveBeenCalledOnce();
    await expect(s.getTicket.call({ id: 'T-2' }, { credential: child })).resolves.toEqual({ id: 'T-2' });
  });

  it('an agent the registry restricts cannot call a tool its token scope names', async () => {
    const s = await setup();
    const token = await s.issuer.issue({ agent: 'reporter', scopes: ['get_ticket', 'export_customers'] });
    await expect(s.exportCustomers.call({}, { credential: token })).rejects.toMatchObject({ stage: 'scope' });
    expect(s.exported).not.toHaveBeenCalled();
    await expect(s.getTicket.call({ id: 'T-3' }, { credential: token })).resolves.toEqual({ id: 'T-3' });
  });
});
