import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ActionRequest } from './action-request.js';
import type { ApprovalGate } from './approval-gate.js';
import type { AuditRecorder } from './audit-recorder.js';
import { createCallScope } from './call-context.js';
import type { Decision } from './decision.js';
import {
  AccessDeniedError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CallFailedError,
  CredentialError,
  GuardFaultError,
  InputValidationError,
} from './errors.js';
import { type Enforcement, guard, type ToolDefinition, type ToolExecutionContext } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';
import { createMemorySessionStore } from './session-store.js';

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot' },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', 'spiffe://acme.example/agent/support-bot'],
  scopes: [],
  claims: {},
};

function decision(effect: Decision['effect'], extra: Partial<Decision> = {}): Decision {
  return {
    effect,
    reason: `${effect} by test`,
    ruleIds: [`r-${effect}`],
    policyVersion: 'v-test',
    obligations: [],
    ...extra,
  };
}

/** A verifier that accepts exactly one token: an honest double for the identity package. */
const verifier = {
  async verify(credential: string) {
    if (credential !== 'good-token') throw new CredentialError('unknown token');
    return principal;
  },
};

function setup(
  options: { decide?: (request: ActionRequest) => Decision | Promise<Decision> } & Partial<Enforcement> = {},
) {
  const body = vi.fn(async (input: { id: string }, _context: ToolExecutionContext) => ({ ticket: input.id }));
  const recorder = createMemoryRecorder();
  const enforcement: Enforcement = {
    verifier,
    decider: { decide: options.decide ?? (() => decision('allow')) },
    recorder,
    now: () => 1_700_000_000_000,
    ...options,
  };
  const definition: ToolDefinition<{ id: string }, { ticket: string }> = {
    name: 'get_ticket',
    description: 'Read a ticket',
    inputSchema: z.object({ id: z.string().min(1) }),
    effect: 'read',
    target: 'helpdesk',
    execute: body,
  };
  const tool = guard(definition, enforcement);
  return { tool, body, recorder, definition, enforcement };
}

describe('guard() allow path', () => {
  it('runs the body after an allow and records the call', async () => {
    const { tool, body, recorder } = setup();
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token', callId: 'c1' })).resolves.toEqual({
      ticket: 'T-1',
    });
    expect(body).toHaveBeenCalledOnce();
    const [record] = recorder.records;
    expect(record?.call).toMatchObject({ name: 'get_ticket', callId: 'c1', effect: 'read', kind: 'tool' });
    expect(record?.decision?.effect).toBe('allow');
    expect(record?.intent).toBe(true);
    expect(record?.outcome).toEqual({ status: 'ok', output: { ticket: 'T-1' } });
    expect(record?.request).toMatchObject({
      name: 'get_ticket',
      effect: 'read',
      target: 'helpdesk',
      input: { id: 'T-1' },
      principal,
      context: { time: 1_700_000_000_000, labels: [], userMessages: [] },
    });
  });

  it('hands the body the principal, request, decision and call id', async () => {
    const { tool, body } = setup();
    await tool.call({ id: 'T-1' }, { credential: 'good-token', callId: 'c9' });
    expect(body.mock.calls[0]?.[1]).toMatchObject({ principal, callId: 'c9', decision: { effect: 'allow' } });
  });

  it('decides afresh on every call (no allow is reused)', async () => {
    const decide = vi.fn().mockResolvedValueOnce(decision('allow')).mockResolvedValueOnce(decision('deny'));
    const { tool, body } = setup({ decide });
    await tool.call({ id: 'T-1' }, { credential: 'good-token' });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(AccessDeniedError);
    expect(decide).toHaveBeenCalledTimes(2);
    expect(body).toHaveBeenCalledOnce();
  });

  it('takes the context implicitly from a call scope, explicit fields winning', async () => {
    const scope = createCallScope();
    const seen: ActionRequest[] = [];
    const { tool } = setup({
      scope,
      decide: (request) => {
        seen.push(request);
        return decision('allow');
      },
    });
    await scope.run({ credential: 'good-token', userMessages: ['refund order A-1'], audience: 'prod' }, () =>
      tool.call({ id: 'T-1' }, { audience: 'staging' }),
    );
    expect(seen[0]?.context).toMatchObject({ userMessages: ['refund order A-1'], audience: 'staging' });
  });

  it('passes the body error through unchanged and records it', async () => {
    const { tool, recorder, definition, enforcement } = setup();
    const failing = guard(
      {
        ...definition,
        execute: async () => {
          throw new RangeError('ticket store exploded');
        },
      },
      enforcement,
    );
    await expect(failing.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(RangeError);
    expect(recorder.records.at(-1)?.outcome?.status).toBe('error');
    expect(tool.name).toBe('get_ticket');
  });
});

describe('guard() denials', () => {
  it('denies on a deny decision with the decision attached', async () => {
    const { tool, body, recorder } = setup({ decide: () => decision('deny') });
    const error = await tool.call({ id: 'T-1' }, { credential: 'good-token' }).catch((caught) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(error.decision.ruleIds).toEqual(['r-deny']);
    expect(error.stage).toBe('decide');
    expect(body).not.toHaveBeenCalled();
    expect(recorder.records[0]?.outcome?.status).toBe('denied');
    expect(recorder.records[0]?.intent).toBe(false);
  });

  it('lists every input problem and never reaches the decider', async () => {
    const decide = vi.fn(() => decision('allow'));
    const { tool, body } = setup({ decide });
    const error = await tool
      .call({ id: 42, extra: 1 }, { credential: 'good-token' })
      .catch((caught) => caught);
    expect(InputValidationError.isInstance(error)).toBe(true);
    expect(error.issues).toEqual([{ path: 'id', message: expect.any(String) }]);
    expect(decide).not.toHaveBeenCalled();
    expect(body).not.toHaveBeenCalled();
  });

  it('denies a call without a credential, or with a bad one', async () => {
    const { tool, body } = setup();
    await expect(tool.call({ id: 'T-1' })).rejects.toThrow(CredentialError);
    await expect(tool.call({ id: 'T-1' }, { credential: '' })).rejects.toThrow(CredentialError);
    await expect(tool.call({ id: 'T-1' }, { credential: 'forged' })).rejects.toThrow(CredentialError);
    expect(body).not.toHaveBeenCalled();
  });

  it('denies approve decisions when no approval gate is configured', async () => {
    const { tool, body } = setup({ decide: () => decision('approve') });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(ApprovalDeniedError);
    expect(body).not.toHaveBeenCalled();
  });

  it('denies obligations nobody handles', async () => {
    const { tool, body } = setup({
      decide: () => decision('allow', { obligations: [{ type: 'unknown-duty' }] }),
    });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(
      /obligation "unknown-duty"/,
    );
    expect(body).not.toHaveBeenCalled();
  });
});

describe('guard() approvals', () => {
  const approveDecision = () => decision('approve');

  it('runs the body once the gate approves, passing the approval id', async () => {
    const approvals: ApprovalGate = {
      authorize: vi.fn(async () => ({ status: 'approved' as const, approvalId: 'ap-1' })),
    };
    const { tool, body } = setup({ decide: approveDecision, approvals });
    await tool.call({ id: 'T-1' }, { credential: 'good-token', approvalId: 'ap-1' });
    expect(approvals.authorize).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'get_ticket' }),
      expect.anything(),
      {
        approvalId: 'ap-1',
        signal: expect.any(AbortSignal),
      },
    );
    expect(body.mock.calls[0]?.[1]?.approvalId).toBe('ap-1');
  });

  it('denies when the gate refuses', async () => {
    const approvals: ApprovalGate = {
      authorize: async () => ({ status: 'denied', approvalId: 'ap-2', reason: 'no way' }),
    };
    const { tool, body } = setup({ decide: approveDecision, approvals });
    const error = await tool.call({ id: 'T-1' }, { credential: 'good-token' }).catch((caught) => caught);
    expect(ApprovalDeniedError.isInstance(error)).toBe(true);
    expect(error.approvalId).toBe('ap-2');
    expect(error.message).toContain('no way');
    expect(body).not.toHaveBeenCalled();
  });

  it('passes an interrupt through as ApprovalRequiredError and records it as pending', async () => {
    const approvals: ApprovalGate = {
      authorize: async (request) => {
        throw new ApprovalRequiredError({
          approvalId: 'ap-3',
          digest: 'd',
          tool: request.name,
          callId: request.callId,
          expiresAt: 1,
        });
      },
    };
    const { tool, body, recorder } = setup({ decide: approveDecision, approvals });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(
      ApprovalRequiredError,
    );
    expect(body).not.toHaveBeenCalled();
    expect(recorder.records[0]?.outcome?.status).toBe('pending-approval');
  });

  it('denies when the gate answers something that is not an outcome', async () => {
    const approvals = { authorize: async () => ({ status: 'approved' }) } as unknown as ApprovalGate;
    const { tool, body } = setup({ decide: approveDecision, approvals });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(GuardFaultError);
    expect(body).not.toHaveBeenCalled();
  });
});

describe('guard() session labels', () => {
  it('labels the session after reading untrusted content, and later requests see it', async () => {
    const sessions = createMemorySessionStore();
    const seen: string[][] = [];
    const { tool } = setup({
      sessions,
      decide: (request) => {
        seen.push([...request.context.labels]);
        return decision('allow', { obligations: [{ type: 'label-session', labels: ['tainted'] }] });
      },
    });
    await tool.call({ id: 'T-1' }, { credential: 'good-token', sessionId: 's-1' });
    await tool.call({ id: 'T-2' }, { credential: 'good-token', sessionId: 's-1' });
    expect(seen).toEqual([[], ['tainted']]);
    expect(await sessions.labels('s-1')).toEqual(['tainted']);
  });

  it('refuses to run a labelling call it cannot label (no session id, or no store)', async () => {
    const labelling = () =>
      decision('allow', { obligations: [{ type: 'label-session', labels: ['tainted'] }] });
    const withStore = setup({ sessions: createMemorySessionStore(), decide: labelling });
    await expect(withStore.tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(
      /no sessionId/,
    );
    const withoutStore = setup({ decide: labelling });
    await expect(
      withoutStore.tool.call({ id: 'T-1' }, { credential: 'good-token', sessionId: 's' }),
    ).rejects.toThrow(/no session store/);
    expect(withStore.body).not.toHaveBeenCalled();
    expect(withoutStore.body).not.toHaveBeenCalled();
  });
});

describe('guard() fails closed at every stage', () => {
  type Fault = 'throw' | 'reject';
  const boom = (fault: Fault) => {
    const error = new Error('injected fault');
    if (fault === 'throw') throw error;
    return Promise.reject(error);
  };

  const stages: Array<{
    stage: string;
    inject: (fault: Fault) => Partial<Enforcement> & { decide?: () => never };
  }> = [
    {
      stage: 'validate',
      inject: () => ({}),
    },
    { stage: 'verify', inject: (fault) => ({ verifier: { verify: () => boom(fault) as never } }) },
    {
      stage: 'context',
      inject: (fault) => ({
        sessions: { labels: () => boom(fault) as never, addLabels: async () => {} },
      }),
    },
    { stage: 'enrich', inject: (fault) => ({ riskScorer: { score: () => boom(fault) as never } }) },
    { stage: 'decide', inject: (fault) => ({ decider: { decide: () => boom(fault) as never } }) },
    {
      stage: 'approve',
      inject: (fault) => ({
        decider: { decide: () => decision('approve') },
        approvals: { authorize: () => boom(fault) as never },
      }),
    },
    {
      stage: 'obligation',
      inject: (fault) => ({
        decider: { decide: () => decision('allow', { obligations: [{ type: 'count' }] }) },
        obligations: { count: { before: () => boom(fault) as never } },
      }),
    },
    {
      stage: 'intent',
      inject: (fault) => ({
        recorder: {
          record: (_call, run) => run({ decided() {}, intent: () => boom(fault) as never, result() {} }),
        } satisfies AuditRecorder,
      }),
    },
    {
      stage: 'record',
      inject: (fault) => ({ recorder: { record: () => boom(fault) as never } }),
    },
  ];

  for (const { stage, inject } of stages) {
    for (const fault of ['throw', 'reject'] as const) {
      it(`denies with a typed error when the ${stage} stage fails (${fault})`, async () => {
        const { definition } = setup();
        const body = vi.fn(async () => ({ ticket: 'never' }));
        const schema =
          stage === 'validate'
            ? {
                '~standard': {
                  version: 1 as const,
                  vendor: 'test',
                  validate: () => boom(fault) as never,
                },
              }
            : definition.inputSchema;
        const enforcement: Enforcement = {
          verifier,
          decider: { decide: () => decision('allow') },
          recorder: createMemoryRecorder(),
          sessions: createMemorySessionStore(),
          ...inject(fault),
        };
        const tool = guard({ ...definition, inputSchema: schema, execute: body }, enforcement);
        const error = await tool
          .call({ id: 'T-1' }, { credential: 'good-token', sessionId: 's' })
          .catch((caught) => caught);
        expect(body).not.toHaveBeenCalled();
        expect(GuardFaultError.isInstance(error)).toBe(true);
        expect(AccessDeniedError.isInstance(error)).toBe(true);
        expect(error.stage).toBe(stage);
        expect(error.cause).toBeInstanceOf(Error);
        expect(error.message).toContain('injected fault');
      });
    }
  }

  it('denies when the decider returns something that is not a Decision', async () => {
    for (const bogus of [
      undefined,
      'allow',
      { effect: 'allow' },
      { ...decision('allow'), effect: 'ALLOW' },
    ]) {
      const { tool, body } = setup({ decide: () => bogus as Decision });
      await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(GuardFaultError);
      expect(body).not.toHaveBeenCalled();
    }
  });

  it('denies when the risk scorer returns a score out of range', async () => {
    for (const score of [Number.NaN, -0.1, 1.5]) {
      const { tool, body } = setup({ riskScorer: { score: () => score } });
      await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toThrow(/Risk scorer/);
      expect(body).not.toHaveBeenCalled();
    }
  });

  it('withholds the output when recording the result fails', async () => {
    const recorder: AuditRecorder = {
      record: (_call, run) =>
        run({
          decided() {},
          async intent() {},
          result() {
            throw new Error('disk full');
          },
        }),
    };
    const { tool, body } = setup({ recorder });
    const error = await tool.call({ id: 'T-1' }, { credential: 'good-token' }).catch((caught) => caught);
    expect(body).toHaveBeenCalledOnce();
    expect(CallFailedError.isInstance(error)).toBe(true);
    expect(AccessDeniedError.isInstance(error)).toBe(false);
    expect(error.stage).toBe('record');
  });

  it('withholds the output when a post-execution obligation fails, recording an error (the body ran)', async () => {
    const { tool, recorder } = setup({
      decide: () => decision('allow', { obligations: [{ type: 'count' }] }),
      obligations: {
        count: {
          after: () => {
            throw new Error('counter store down');
          },
        },
      },
    });
    await expect(tool.call({ id: 'T-1' }, { credential: 'good-token' })).rejects.toMatchObject({
      code: 'ERR_CALL_FAILED',
      stage: 'obligation',
    });
    expect(recorder.records[0]?.outcome?.status).toBe('error');
  });
});

describe('guard() misuse', () => {
  const enforcement: Enforcement = {
    verifier,
    decider: { decide: () => decision('allow') },
    recorder: createMemoryRecorder(),
  };
  const definition = {
    name: 'get_ticket',
    description: 'Read a ticket',
    inputSchema: z.object({}),
    effect: 'read' as const,
    execute: async () => 1,
  };

  it('throws TypeError at creation for a bad definition', () => {
    expect(() => guard({ ...definition, name: 'has space' }, enforcement)).toThrow(TypeError);
    expect(() => guard({ ...definition, effect: 'mutate' as never }, enforcement)).toThrow(
      /effect must be one of/,
    );
    expect(() => guard({ ...definition, inputSchema: {} as never }, enforcement)).toThrow(/Standard Schema/);
    expect(() => guard({ ...definition, kind: 'shell' as never }, enforcement)).toThrow(/kind/);
    expect(() => guard({ ...definition, execute: undefined as never }, enforcement)).toThrow(/execute/);
  });

  it('throws TypeError at creation when a required part of the loop is missing', () => {
    expect(() => guard(definition, { ...enforcement, verifier: undefined as never })).toThrow(/verifier/);
    expect(() => guard(definition, { ...enforcement, decider: {} as never })).toThrow(/decider/);
    expect(() => guard(definition, { ...enforcement, recorder: undefined as never })).toThrow(/recorder/);
    expect(() => guard(definition, { ...enforcement, approvals: {} as never })).toThrow(/approvals/);
  });
});
