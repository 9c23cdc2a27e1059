import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Decision } from './decision.js';
import { AccessDeniedError } from './errors.js';
import { type Enforcement, evaluate, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

// Attack: hold a credential scoped to one tool and call another one that a permissive policy
// allows. Credentials bound every call before policy runs; policy can narrow, never widen.

const scopedToGetTicket: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  delegation: ['spiffe://acme.example/agent/support-bot'],
  scopes: ['get_ticket'],
  allowedTools: ['get_ticket'],
  claims: {},
};

const allowEverything: Decision = {
  effect: 'allow',
  reason: 'anything goes',
  ruleIds: ['allow-all'],
  policyVersion: 'v1',
  obligations: [],
};

function setup(principal: Principal) {
  const decide = vi.fn(() => allowEverything);
  const recorder = createMemoryRecorder();
  const enforcement: Enforcement = {
    verifier: { verify: async () => principal },
    decider: { decide },
    recorder,
  };
  const exported = vi.fn(async () => ({ rows: 10_000 }));
  const exportCustomers = guard(
    {
      name: 'export_customers',
      description: 'Export every customer',
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
  return { enforcement, exportCustomers, getTicket, exported, decide, recorder };
}

describe('attack: widen a credential through a permissive policy', () => {
  it('refuses a tool outside the credential at stage `scope`, before policy runs', async () => {
    const { exportCustomers, exported, decide, recorder } = setup(scopedToGetTicket);
    const error = await exportCustomers.call({}, { credential: 't' }).catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    if (!AccessDeniedError.isInstance(error)) throw error;
    expect(error.code).toBe('ERR_ACCESS_DENIED');
    expect(error.stage).toBe('scope');
    expect(exported).not.toHaveBeenCalled();
    expect(decide).not.toHaveBeenCalled();
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
  });

  it('still lets the credential call what it covers', async () => {
    const { getTicket, decide } = setup(scopedToGetTicket);
    await expect(getTicket.call({ id: 'T-1' }, { credential: 't' })).resolves.toEqual({ id: 'T-1' });
    expect(decide).toHaveBeenCalledOnce();
  });

  it('refuses every tool to a credential that covers none', async () => {
    const { getTicket, exportCustomers } = setup({ ...scopedToGetTicket, scopes: [], allowedTools: [] });
    for (const call of [
      getTicket.call({ id: 'T-1' }, { credential: 't' }),
      exportCustomers.call({}, { credential: 't' }),
    ]) {
      await expect(call).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED', stage: 'scope' });
    }
  });

  it('answers "would this be allowed?" the same way (evaluate)', async () => {
    const { enforcement, decide } = setup(scopedToGetTicket);
    const pending = evaluate(
      { name: 'export_customers', effect: 'read', inputSchema: z.object({}), input: {}, callId: 'c1' },
      { credential: 't' },
      enforcement,
    );
    await expect(pending).rejects.toMatchObject({ stage: 'scope' });
    expect(decide).not.toHaveBeenCalled();
  });

  it('treats a malformed bound as a fault, never as "unbounded"', async () => {
    const { getTicket } = setup({ ...scopedToGetTicket, allowedTools: 'get_ticket' as never });
    await expect(getTicket.call({ id: 'T-1' }, { credential: 't' })).rejects.toMatchObject({
      code: 'ERR_GUARD_FAULT',
      stage: 'scope',
    });
  });
});
