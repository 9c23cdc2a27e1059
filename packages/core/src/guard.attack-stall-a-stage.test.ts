import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ApprovalGate } from './approval-gate.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, CallFailedError, StageTimeoutError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';
import { DEFAULT_STAGE_DEADLINES, resolveStageDeadlines, type StageDeadlines } from './stage-deadlines.js';

// Attack: stall one stage of the loop (a slow verifier, a hung policy store, a reviewer who never
// answers a blocking gate...) so that the call hangs forever, holds resources, or runs late.

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  delegation: ['spiffe://acme.example/agent/support-bot'],
  scopes: ['refund'],
  claims: {},
};

const decision = (effect: Decision['effect'], obligations: Decision['obligations'] = []): Decision => ({
  effect,
  reason: effect,
  ruleIds: ['r'],
  policyVersion: 'v1',
  obligations,
});

const never = <T>() => new Promise<T>(() => {});

function refund(parts: Partial<Enforcement>) {
  const body = vi.fn(async () => 'refunded');
  const tool = guard(
    {
      name: 'refund',
      description: 'Refund',
      inputSchema: z.object({ amount: z.number() }),
      effect: 'write',
      execute: body,
    },
    {
      verifier: { verify: async () => principal },
      decider: { decide: () => decision('allow') },
      recorder: createMemoryRecorder(),
      ...parts,
    },
  );
  return { tool, body };
}

const stalls: Record<string, { stage: keyof StageDeadlines; parts: () => Partial<Enforcement> }> = {
  verifier: { stage: 'verify', parts: () => ({ verifier: { verify: never } }) },
  'session store': {
    stage: 'context',
    parts: () => ({ sessions: { labels: never, addLabels: never } }),
  },
  'risk scorer': { stage: 'enrich', parts: () => ({ riskScorer: { score: never } }) },
  decider: { stage: 'decide', parts: () => ({ decider: { decide: never } }) },
  'approval gate (proposing or waiting)': {
    stage: 'approve',
    parts: () => ({ decider: { decide: () => decision('approve') }, approvals: { authorize: never } }),
  },
  'counter before the body': {
    stage: 'obligation',
    parts: () => ({
      decider: { decide: () => decision('allow', [{ type: 'count' }]) },
      obligations: { count: { before: never } },
    }),
  },
  'strict intent record': {
    stage: 'intent',
    parts: () => {
      const recorder: AuditRecorder = {
        record: (_call, run) => run({ decided() {}, intent: never, result() {} }),
      };
      return { recorder };
    },
  },
};

describe('attack: stall a stage so the call waits forever', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [name, { stage, parts }] of Object.entries(stalls)) {
    it(`a stalled ${name} is refused at its deadline (${stage}); the body never runs`, async () => {
      const { tool, body } = refund(parts());
      const settled = tool.call({ amount: 5 }, { credential: 't', sessionId: 's' }).catch((error) => error);
      await vi.advanceTimersByTimeAsync(DEFAULT_STAGE_DEADLINES[stage] - 1);
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      await vi.advanceTimersByTimeAsync(1);
      const error = await settled;
      expect(StageTimeoutError.isInstance(error)).toBe(true);
      expect(AccessDeniedError.isInstance(error)).toBe(true);
      if (!StageTimeoutError.isInstance(error)) throw error;
      expect(error.code).toBe('ERR_STAGE_TIMEOUT');
      expect(error.stage).toBe(stage);
      expect(error.timeoutMs).toBe(DEFAULT_STAGE_DEADLINES[stage]);
      expect(body).not.toHaveBeenCalled();
    });
  }

  it('deadlines are set per stage on guard(), and a blocking gate is told to stop', async () => {
    let gateSignal: AbortSignal | undefined;
    const approvals: ApprovalGate = {
      authorize(_request, _decision, options) {
        gateSignal = options.signal;
        return never();
      },
    };
    const { tool, body } = refund({
      decider: { decide: () => decision('approve') },
      approvals,
      deadlines: { approve: 60_000 },
    });
    const settled = tool.call({ amount: 5 }, { credential: 't' }).catch((error) => error);
    await vi.advanceTimersByTimeAsync(60_000);
    const error = await settled;
    expect(error).toMatchObject({ code: 'ERR_STAGE_TIMEOUT', stage: 'approve', timeoutMs: 60_000 });
    expect(gateSignal?.aborted).toBe(true);
    expect(body).not.toHaveBeenCalled();
  });

  it('a stalled after-obligation is a CallFailedError: the body ran, so it is no refusal', async () => {
    const { tool, body } = refund({
      decider: { decide: () => decision('allow', [{ type: 'count' }]) },
      obligations: { count: { after: never } },
      deadlines: { obligation: 100 },
    });
    const settled = tool.call({ amount: 5 }, { credential: 't' }).catch((error) => error);
    await vi.advanceTimersByTimeAsync(100);
    const error = await settled;
    expect(body).toHaveBeenCalledOnce();
    expect(CallFailedError.isInstance(error)).toBe(true);
    expect(StageTimeoutError.isInstance((error as CallFailedError).cause)).toBe(true);
  });

  it('a stage that answers in time is not affected, and leaves no timer behind', async () => {
    const { tool, body } = refund({
      verifier: { verify: () => new Promise((resolve) => setTimeout(() => resolve(principal), 50)) },
    });
    const settled = tool.call({ amount: 5 }, { credential: 't' });
    await vi.advanceTimersByTimeAsync(50);
    await expect(settled).resolves.toBe('refunded');
    expect(body).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('stage deadlines are validated once, and cannot be switched off', () => {
  it('rejects unknown stages and deadlines that are not whole positive milliseconds', () => {
    for (const bad of [
      { decide: 0 },
      { decide: -1 },
      { decide: Number.POSITIVE_INFINITY },
      { decide: 1.5 },
    ]) {
      expect(() => resolveStageDeadlines(bad)).toThrow(TypeError);
    }
    expect(() => resolveStageDeadlines({ body: 5 } as never)).toThrow(/not a stage/);
    expect(() => refund({ deadlines: { verify: Number.NaN } })).toThrow(TypeError);
    expect(resolveStageDeadlines({ decide: 250 })).toEqual({ ...DEFAULT_STAGE_DEADLINES, decide: 250 });
  });
});
