import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ActionRequest } from './action-request.js';
import type { ApprovalGate } from './approval-gate.js';
import type { Decision } from './decision.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

// Attack: propose a transfer a reviewer will approve, then, while the approval is pending, mutate a
// nested object of the input the call was made with, so the body runs on something nobody approved.

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/banker' },
  delegation: ['spiffe://acme.example/agent/banker'],
  scopes: ['send_money'],
  claims: {},
};

const needsHuman: Decision = {
  effect: 'approve',
  reason: 'transfers need a human',
  ruleIds: ['r'],
  policyVersion: 'v1',
  obligations: [],
};

// `z.any()` hands the caller's own nested object through validation, as many schemas do.
const inputSchema = z.object({ transfer: z.any() });

function bank(gate: ApprovalGate, extra: Partial<Enforcement> = {}) {
  const sent: unknown[] = [];
  const tool = guard(
    {
      name: 'send_money',
      description: 'Send money',
      inputSchema,
      effect: 'send',
      execute: async (input) => {
        sent.push(structuredClone(input));
        return 'sent';
      },
    },
    {
      verifier: { verify: async () => principal },
      decider: { decide: () => needsHuman },
      recorder: createMemoryRecorder(),
      approvals: gate,
      ...extra,
    },
  );
  return { tool, sent };
}

describe('attack: change the input while its approval is pending', () => {
  it('a blocking (wait-mode) gate: the body runs on exactly what was approved', async () => {
    let release!: () => void;
    const approved: unknown[] = [];
    const gate: ApprovalGate = {
      async authorize(request: ActionRequest) {
        approved.push(structuredClone(request.input));
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { status: 'approved', approvalId: 'ap-1' };
      },
    };
    const { tool, sent } = bank(gate);
    const input = { transfer: { to: 'DE89 3704 0044 0532 0130 00', amount: 100 } };
    const pending = tool.call(input, { credential: 't' });
    await vi.waitFor(() => expect(approved).toHaveLength(1));
    // The caller (or anything holding a reference) rewrites the pending transfer.
    input.transfer.to = 'XX00 ATTACKER';
    input.transfer.amount = 1_000_000;
    release();
    await expect(pending).resolves.toBe('sent');
    expect(sent).toEqual([{ transfer: { to: 'DE89 3704 0044 0532 0130 00', amount: 100 } }]);
    expect(sent).toEqual(approved);
  });

  it('a resumed (interrupt-mode) call runs on what the gate checked on resume, frozen', async () => {
    let seenByGate: unknown;
    const gate: ApprovalGate = {
      async authorize(request: ActionRequest) {
        seenByGate = request.input;
        return { status: 'approved', approvalId: 'ap-2' };
      },
    };
    let ranOn: unknown;
    const tool = guard(
      {
        name: 'send_money',
        description: 'Send money',
        inputSchema,
        effect: 'send',
        execute: async (input) => {
          ranOn = input;
          return 'sent';
        },
      },
      {
        verifier: { verify: async () => principal },
        decider: { decide: () => needsHuman },
        recorder: createMemoryRecorder(),
        approvals: gate,
      },
    );
    const input = { transfer: { to: 'DE89', amount: 5 } };
    await tool.call(input, { credential: 't', approvalId: 'ap-2' });
    expect(ranOn).toBe(seenByGate);
    expect(ranOn).not.toBe(input);
    expect(Object.isFrozen(ranOn)).toBe(true);
    expect(Object.isFrozen((ranOn as { transfer: object }).transfer)).toBe(true);
    expect(() => {
      (ranOn as { transfer: { amount: number } }).transfer.amount = 9;
    }).toThrow(TypeError);
  });

  it('refuses an input that cannot be copied, rather than run on something that may change', async () => {
    const gate: ApprovalGate = { authorize: async () => ({ status: 'approved', approvalId: 'a' }) };
    const { tool, sent } = bank(gate);
    await expect(tool.call({ transfer: { to: () => 'XX00' } }, { credential: 't' })).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
    expect(sent).toEqual([]);
  });
});
