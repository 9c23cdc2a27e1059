import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ApprovalGate } from './approval-gate.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, CredentialError, TokenRevokedError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

// Attack: with a gate that blocks until a person decides (wait mode), withdraw nothing before the
// request, let the reviewer take their time, and count on the approval carrying the call although
// the token was revoked or the rule tightened while the reviewer was reading. The credential and
// the policy are checked again once the wait ends, before anything runs.

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/banker' },
  user: { id: 'emma', roles: ['customer'] },
  delegation: ['emma', 'spiffe://acme.example/agent/banker'],
  scopes: ['send_money'],
  allowedTools: ['send_money'],
  claims: {},
};

const approve: Decision = {
  effect: 'approve',
  reason: 'payments need a human',
  ruleIds: ['pay'],
  policyVersion: 'v1',
  obligations: [],
};

function world(duringWait: (state: { revoked: boolean; ruleTightened: boolean }) => void) {
  const state = { revoked: false, ruleTightened: false };
  const gate: ApprovalGate = {
    async authorize() {
      // The person reads the request; meanwhile the authority may change.
      duringWait(state);
      return { status: 'approved', approvalId: 'ap-1' };
    },
  };
  const body = vi.fn(async () => 'sent');
  const enforcement: Enforcement = {
    verifier: {
      async verify(credential) {
        if (credential !== 'token') throw new CredentialError('unknown token');
        if (state.revoked) throw new TokenRevokedError('The token is revoked (token j-1)');
        return principal;
      },
    },
    decider: {
      decide: (): Decision =>
        state.ruleTightened ? { ...approve, effect: 'deny', reason: 'no longer allowed' } : approve,
    },
    recorder: createMemoryRecorder(),
    approvals: gate,
  };
  const tool = guard(
    {
      name: 'send_money',
      description: 'Send money',
      effect: 'send',
      inputSchema: z.object({ iban: z.string(), amount: z.number() }),
      execute: body,
    },
    enforcement,
  );
  return { tool, body };
}

describe('attack: an approval obtained by waiting outlives a withdrawn authority', () => {
  it('a token revoked while the reviewer decides refuses the call; the body never runs', async () => {
    const { tool, body } = world((state) => {
      state.revoked = true;
    });
    const error = await tool
      .call({ iban: 'DE89370400440532013000', amount: 50 }, { credential: 'token' })
      .catch((caught: unknown) => caught);
    expect(TokenRevokedError.isInstance(error)).toBe(true);
    expect(body).not.toHaveBeenCalled();
  });

  it('a rule tightened while the reviewer decides refuses the call; the body never runs', async () => {
    const { tool, body } = world((state) => {
      state.ruleTightened = true;
    });
    const error = await tool
      .call({ iban: 'DE89370400440532013000', amount: 50 }, { credential: 'token' })
      .catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect((error as AccessDeniedError).stage).toBe('decide');
    expect(body).not.toHaveBeenCalled();
  });

  it('an approval with the authority intact runs the body once', async () => {
    const { tool, body } = world(() => undefined);
    await expect(
      tool.call({ iban: 'DE89370400440532013000', amount: 50 }, { credential: 'token' }),
    ).resolves.toBe('sent');
    expect(body).toHaveBeenCalledTimes(1);
  });
});
