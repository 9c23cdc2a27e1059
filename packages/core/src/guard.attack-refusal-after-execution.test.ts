import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AuditRecorder, CallOutcome } from './audit-recorder.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, CallFailedError, GuardFaultError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

// Attack: make a write happen, then make a stage after it fail, so that the caller (and, through an
// adapter, the model) is told the write was "refused" and retries it, or believes it never happened.

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  delegation: ['spiffe://acme.example/agent/support-bot'],
  scopes: ['refund'],
  claims: {},
};

const allow: Decision = {
  effect: 'allow',
  reason: 'allowed',
  ruleIds: ['r1'],
  policyVersion: 'v1',
  obligations: [{ type: 'count' }],
};

function refundTool(enforcement: Partial<Enforcement>) {
  const ledger: number[] = [];
  const body = vi.fn(async ({ amount }: { amount: number }) => {
    ledger.push(amount);
    return { refunded: amount };
  });
  const tool = guard(
    {
      name: 'refund',
      description: 'Refund an order',
      inputSchema: z.object({ amount: z.number() }),
      effect: 'write',
      execute: body,
    },
    {
      verifier: { verify: async () => principal },
      decider: { decide: () => allow },
      recorder: createMemoryRecorder(),
      obligations: { count: {} },
      ...enforcement,
    },
  );
  return { tool, ledger };
}

describe('attack: a failure after the body ran is reported as a refusal', () => {
  it('an after-obligation failure says the action happened, and is no refusal', async () => {
    const recorder = createMemoryRecorder();
    const { tool, ledger } = refundTool({
      recorder,
      obligations: {
        count: {
          after() {
            throw new Error('counter store down');
          },
        },
      },
    });
    const error = await tool.call({ amount: 50 }, { credential: 't' }).catch((caught: unknown) => caught);
    expect(ledger).toEqual([50]);
    expect(CallFailedError.isInstance(error)).toBe(true);
    expect(AccessDeniedError.isInstance(error)).toBe(false);
    expect(GuardFaultError.isInstance(error)).toBe(false);
    if (!CallFailedError.isInstance(error)) throw error;
    expect(error.code).toBe('ERR_CALL_FAILED');
    expect(error.stage).toBe('obligation');
    expect(error.executed).toBe(true);
    expect(error.message).not.toMatch(/denied|refused/i);
    expect(error.message).toMatch(/action happened/);
    expect(recorder.records[0]?.outcome?.status).toBe('error');
  });

  it('a result record that fails (throw or reject) says the action happened, and is no refusal', async () => {
    for (const mode of ['throw', 'reject'] as const) {
      const outcomes: CallOutcome[] = [];
      const recorder: AuditRecorder = {
        record: (_call, run) =>
          run({
            decided() {},
            async intent() {},
            result(outcome) {
              outcomes.push(outcome);
              if (mode === 'throw') throw new Error('disk full');
              return Promise.reject(new Error('disk full'));
            },
          }),
      };
      const { tool, ledger } = refundTool({ recorder });
      const error = await tool.call({ amount: 7 }, { credential: 't' }).catch((caught: unknown) => caught);
      expect(ledger).toEqual([7]);
      expect(CallFailedError.isInstance(error)).toBe(true);
      expect(AccessDeniedError.isInstance(error)).toBe(false);
      expect((error as CallFailedError).stage).toBe('record');
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['ok']);
    }
  });

  it('a record failure before the body ran is still a refusal (the body never ran)', async () => {
    const recorder: AuditRecorder = {
      record: (_call, run) =>
        run({
          decided() {},
          async intent() {
            throw new Error('log unavailable');
          },
          result() {},
        }),
    };
    const { tool, ledger } = refundTool({ recorder });
    const error = await tool.call({ amount: 7 }, { credential: 't' }).catch((caught: unknown) => caught);
    expect(ledger).toEqual([]);
    expect(GuardFaultError.isInstance(error)).toBe(true);
    expect(CallFailedError.isInstance(error)).toBe(false);
  });
});
