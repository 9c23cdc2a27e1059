import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ActionRequest } from './action-request.js';
import type { ApprovalGate, AuthorizeOptions } from './approval-gate.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, ApprovalRequiredError, CredentialError, TokenRevokedError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

// Attack: get a payment approved while the agent still had authority, then resume it after the
// authority was withdrawn (token revoked, rule tightened, grant withdrawn, limit spent): a valid
// approval must not carry a call its authority no longer covers. Each check happens again on
// resume, before the approval is consumed.

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
  obligations: [{ type: 'consume-limit' }],
};

/**
 * `whileWaiting`: the gate blocks until a person decides (wait mode) instead of pausing the call,
 * and the authority may change while it waits.
 */
function world(
  whileWaiting?: (state: {
    revoked: boolean;
    ruleTightened: boolean;
    grantHeld: boolean;
    limitLeft: number;
  }) => void,
) {
  const state = { revoked: false, ruleTightened: false, grantHeld: true, limitLeft: 1 };
  const consumed: string[] = [];
  const gate: ApprovalGate = {
    async authorize(_request: ActionRequest, _decision: Decision, options: AuthorizeOptions) {
      if (options.approvalId === undefined && whileWaiting) {
        whileWaiting(state);
        consumed.push('ap-1');
        return { status: 'approved', approvalId: 'ap-1' };
      }
      if (options.approvalId === undefined) {
        throw new ApprovalRequiredError({
          approvalId: 'ap-1',
          digest: 'd',
          tool: 'send_money',
          callId: 'c1',
          expiresAt: Date.now() + 60_000,
        });
      }
      // The reviewer approved ap-1: consuming it is what must not happen without authority.
      consumed.push(options.approvalId);
      return { status: 'approved', approvalId: options.approvalId };
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
        state.ruleTightened || !state.grantHeld
          ? { ...approve, effect: 'deny', reason: 'no longer allowed', obligations: [] }
          : approve,
    },
    recorder: createMemoryRecorder(),
    approvals: gate,
    obligations: {
      'consume-limit': {
        before() {
          if (state.limitLeft <= 0) {
            throw new AccessDeniedError('Denied "send_money": the daily limit is spent', {
              stage: 'obligation',
            });
          }
          state.limitLeft -= 1;
        },
      },
    },
  };
  const tool = guard(
    {
      name: 'send_money',
      description: 'Send money',
      inputSchema: z.object({ to: z.string(), amount: z.number() }),
      effect: 'send',
      execute: body,
    },
    enforcement,
  );
  const input = { to: 'DE89', amount: 100 };
  return {
    state,
    consumed,
    body,
    pause: () => tool.call(input, { credential: 'token', callId: 'c1' }),
    resume: () => tool.call(input, { credential: 'token', callId: 'c1', approvalId: 'ap-1' }),
  };
}

const withdrawals: Record<string, (state: ReturnType<typeof world>['state']) => void> = {
  'the token was revoked': (state) => {
    state.revoked = true;
  },
  'the rule was tightened': (state) => {
    state.ruleTightened = true;
  },
  'the grant was withdrawn': (state) => {
    state.grantHeld = false;
  },
  'the limit was spent': (state) => {
    state.limitLeft = 0;
  },
};

describe('attack: resume an approved call after its authority was withdrawn', () => {
  it('baseline: with authority intact, the resume consumes the approval and runs once', async () => {
    const w = world();
    await expect(w.pause()).rejects.toSatisfy((error) => ApprovalRequiredError.isInstance(error));
    await expect(w.resume()).resolves.toBe('sent');
    expect(w.consumed).toEqual(['ap-1']);
    expect(w.body).toHaveBeenCalledOnce();
  });

  for (const [what, withdraw] of Object.entries(withdrawals)) {
    it(`${what}: the resume is refused before the approval is consumed; the body never runs`, async () => {
      const w = world();
      await expect(w.pause()).rejects.toSatisfy((error) => ApprovalRequiredError.isInstance(error));
      withdraw(w.state);
      const error = await w.resume().catch((caught: unknown) => caught);
      expect(AccessDeniedError.isInstance(error)).toBe(true);
      expect(w.consumed).toEqual([]);
      expect(w.body).not.toHaveBeenCalled();
    });
  }
});

describe('attack: let an approval obtained by waiting outlive a withdrawn authority', () => {
  it('baseline: with authority intact, the waited-for approval runs the body once', async () => {
    const w = world(() => undefined);
    await expect(w.pause()).resolves.toBe('sent');
    expect(w.body).toHaveBeenCalledOnce();
  });

  for (const [what, withdraw] of Object.entries(withdrawals)) {
    it(`${what} while the reviewer decided: the call is refused after the wait; the body never runs`, async () => {
      const w = world(withdraw);
      const error = await w.pause().catch((caught: unknown) => caught);
      expect(AccessDeniedError.isInstance(error)).toBe(true);
      expect(w.body).not.toHaveBeenCalled();
    });
  }
});
