import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ApprovalGate } from './approval-gate.js';
import type { Decision } from './decision.js';
import { createEnforcementPoint, isEnforced, markEnforced } from './enforcement-point.js';
import { AccessDeniedError, ApprovalRequiredError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  delegation: ['spiffe://acme.example/agent/support-bot'],
  scopes: [],
  claims: {},
};

const decisionFor = (effect: Decision['effect'], obligations: Decision['obligations'] = []): Decision => ({
  effect,
  reason: `${effect} by test`,
  ruleIds: ['r'],
  policyVersion: 'v1',
  obligations,
});

const pausingGate: ApprovalGate = {
  async authorize(request) {
    throw new ApprovalRequiredError({
      approvalId: `ap-${request.name}`,
      digest: 'd',
      tool: request.name,
      callId: request.callId,
      expiresAt: 1,
    });
  },
};

function setup(effects: Record<string, Decision['effect']>, extra: Partial<Enforcement> = {}) {
  const recorder = createMemoryRecorder();
  const enforcement: Enforcement = {
    verifier: { verify: async () => principal },
    decider: { decide: (request) => decisionFor(effects[request.name] ?? 'deny') },
    recorder,
    approvals: pausingGate,
    ...extra,
  };
  return { point: createEnforcementPoint(enforcement), recorder, enforcement };
}

const ticket = { name: 'get_ticket', effect: 'read' as const, inputSchema: z.object({ id: z.string() }) };

describe('createEnforcementPoint', () => {
  it('validates the enforcement once, when created', () => {
    expect(() => createEnforcementPoint({} as Enforcement)).toThrow(TypeError);
    expect(() => setup({}, { deadlines: { decide: 0 } })).toThrow(/deadlines.decide/);
  });

  it('runs a prepared tool through the loop and reports the principal, request and decision', async () => {
    const { point, recorder } = setup({ get_ticket: 'allow' });
    const prepared = point.prepare(ticket);
    const body = vi.fn(async ({ id }: { id: string }) => `ticket ${id}`);
    const outcome = await prepared.run({ id: 'T-1' }, { credential: 't', callId: 'c1' }, body);
    expect(outcome).toMatchObject({
      status: 'done',
      value: 'ticket T-1',
      principal,
      decision: { effect: 'allow' },
    });
    expect(outcome.status === 'done' && outcome.request.callId).toBe('c1');
    expect(recorder.records[0]?.outcome?.status).toBe('ok');
    // The same prepared call serves the next call: nothing is rebuilt per call.
    await expect(prepared.run({ id: 'T-2' }, { credential: 't' }, body)).resolves.toMatchObject({
      status: 'done',
    });
  });

  it('returns refusals as values; the body never runs', async () => {
    const { point } = setup({});
    const body = vi.fn(async () => 'never');
    const outcome = await point.prepare(ticket).run({ id: 'T-1' }, { credential: 't' }, body);
    expect(outcome.status).toBe('denied');
    expect(outcome.status === 'denied' && AccessDeniedError.isInstance(outcome.error)).toBe(true);
    expect(body).not.toHaveBeenCalled();
  });

  it("pauses only on this call's own gate: a nested guard's pause is not this call's", async () => {
    const { point, enforcement } = setup({ refund: 'approve', outer: 'allow' });
    const paused = await point
      .prepare({ name: 'refund', effect: 'write', inputSchema: z.object({}) })
      .run({}, { credential: 't' }, async () => 'never');
    expect(paused).toMatchObject({
      status: 'paused',
      request: { name: 'refund' },
      decision: { effect: 'approve' },
    });
    const inner = guard(
      {
        name: 'refund',
        description: '',
        effect: 'write',
        inputSchema: z.object({}),
        execute: async () => 'x',
      },
      enforcement,
    );
    const outer = point.prepare({ name: 'outer', effect: 'execute', inputSchema: z.object({}) });
    const nested = outer.run({}, { credential: 't' }, () => inner.call({}, { credential: 't' }));
    // The nested pause is the body's own error: it propagates, it is not a pause of `outer`.
    await expect(nested).rejects.toSatisfy((error) => ApprovalRequiredError.isInstance(error));
  });

  it('reports a failure after the body as failed, never as denied', async () => {
    const { point } = setup(
      {},
      {
        decider: { decide: () => decisionFor('allow', [{ type: 'count' }]) },
        obligations: {
          count: {
            after() {
              throw new Error('counter down');
            },
          },
        },
      },
    );
    const outcome = await point.prepare(ticket).run({ id: 'T-1' }, { credential: 't' }, async () => 'done');
    expect(outcome.status).toBe('failed');
  });

  it('meets obligations for a body the framework runs itself, with the same handlers', async () => {
    const counted: string[] = [];
    const { point } = setup(
      {},
      { obligations: { count: { before: (_o, request) => void counted.push(request.name) } } },
    );
    const prepared = point.prepare(ticket);
    const decision = decisionFor('allow', [{ type: 'count' }]);
    // "Would this be allowed?" answers with a decision value (here the test policy's deny).
    const evaluated = await point.evaluate(
      { ...ticket, input: { id: 'T-1' }, callId: 'c9' },
      { credential: 't' },
    );
    expect(evaluated.decision.effect).toBe('deny');
    await prepared.meet('before', decision, {
      kind: 'tool',
      name: 'get_ticket',
      effect: 'read',
      input: {},
      callId: 'c9',
      principal,
      context: { time: 0, labels: [], userMessages: [], attributes: {} },
    });
    expect(counted).toEqual(['get_ticket']);
    await expect(
      prepared.meet('before', decisionFor('allow', [{ type: 'unknown' }]), {
        kind: 'tool',
        name: 'get_ticket',
        effect: 'read',
        input: {},
        callId: 'c9',
        principal,
        context: { time: 0, labels: [], userMessages: [], attributes: {} },
      }),
    ).rejects.toThrow(/No handler/);
  });

  it('records refusals made outside the loop, under one failure policy', async () => {
    const { point, recorder } = setup({});
    const error = new AccessDeniedError('Denied "mystery": unknown tool', {
      stage: 'decide',
      tool: 'mystery',
    });
    await point.refuse({ kind: 'tool', name: 'mystery', effect: 'execute', callId: 'c2' }, error);
    expect(recorder.records[0]).toMatchObject({ call: { name: 'mystery' }, outcome: { status: 'denied' } });
  });

  it('tells an enforced framework object from one that still needs wrapping', () => {
    const wrapped = markEnforced({ name: 'get_ticket' });
    expect(isEnforced(wrapped)).toBe(true);
    expect(isEnforced({ name: 'get_ticket' })).toBe(false);
    expect(isEnforced(null)).toBe(false);
    expect(Object.keys(wrapped)).toEqual(['name']);
  });
});
