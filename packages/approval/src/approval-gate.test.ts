import { generateKeyPairSync } from 'node:crypto';
import {
  AccessDeniedError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  type CallContext,
  guard,
  type ToolExecutionContext,
} from '@palisade/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalGate } from './approval-gate.js';
import { type ApprovalService, createApprovalService } from './approval-service.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { anyObject, createTestEnforcement, testApprovers } from './test-support/fixtures.js';

function createService(now?: () => number): ApprovalService {
  return createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: testApprovers(['approver']),
    defaultTtlMs: 60_000,
    now,
  });
}

function refundTool(service: ApprovalService, mode: 'wait' | 'interrupt', timeoutMs?: number) {
  const executed: Array<{ input: Record<string, unknown>; approvalId: string | undefined }> = [];
  const enforcement = createTestEnforcement(
    createApprovalGate({ service, mode, timeoutMs, pollIntervalMs: 20 }),
  );
  const definition = {
    description: 'Refund an order',
    inputSchema: anyObject,
    effect: 'write' as const,
    target: 'payments',
    execute: async (input: Record<string, unknown>, context: ToolExecutionContext) => {
      executed.push({ input, approvalId: context.approvalId });
      return 'refunded';
    },
  };
  const tool = guard({ name: 'issue_refund', ...definition }, enforcement);
  const otherTool = guard({ name: 'issue_credit', ...definition }, enforcement);
  return { tool, otherTool, executed };
}

const agent: CallContext = { credential: 'agent-token', audience: 'payments-api' };

async function pausedCall(promise: Promise<unknown>): Promise<ApprovalRequiredError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!ApprovalRequiredError.isInstance(error))
    throw new Error(`expected ApprovalRequiredError, got ${String(error)}`);
  return error as ApprovalRequiredError;
}

describe('createApprovalGate in wait mode', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the tool once a scripted approver approves, consuming the approval', async () => {
    const service = createService();
    service.events.on('approval-request', (request) => {
      void service.decide({
        approvalId: request.id,
        approve: true,
        approverCredential: 'bob-token',
        reason: 'ok',
      });
    });
    const { tool, executed } = refundTool(service, 'wait', 5_000);
    await expect(
      tool.call({ order: 'A-17', amount: 500 }, { ...agent, attributes: { rationale: 'double charge' } }),
    ).resolves.toBe('refunded');
    expect(executed).toHaveLength(1);
    const [request] = await service.list();
    expect(request).toMatchObject({
      status: 'consumed',
      rationale: 'double charge',
      input: { order: 'A-17', amount: 500 },
    });
    expect(executed[0]?.approvalId).toBe(request?.id);
  });

  it('sees decisions made by another replica sharing the store and the signing key', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const approvers = testApprovers(['approver']);
    const service = createApprovalService({ store: createMemoryApprovalStore(), approvers, signingKey });
    const elsewhere = createApprovalService({ store: service.store, approvers, signingKey });
    const { tool, executed } = refundTool(service, 'wait', 5_000);
    const call = tool.call({ order: 'A-18' }, agent);
    await vi.waitFor(async () => expect(await elsewhere.listPending()).toHaveLength(1));
    const [pending] = await elsewhere.listPending();
    // No event reaches this service: only polling can see the decision.
    await elsewhere.decide({ approvalId: pending!.id, approve: true, approverCredential: 'bob-token' });
    await expect(call).resolves.toBe('refunded');
    expect(executed).toHaveLength(1);
    service.close();
    elsewhere.close();
  });

  it('denies when the decision in the store was signed with a key the service does not know', async () => {
    const service = createService();
    const elsewhere = createApprovalService({
      store: service.store,
      approvers: testApprovers(['approver']),
    });
    const { tool, executed } = refundTool(service, 'wait', 5_000);
    const call = tool.call({ order: 'A-18' }, agent);
    await vi.waitFor(async () => expect(await elsewhere.listPending()).toHaveLength(1));
    const [pending] = await elsewhere.listPending();
    await elsewhere.decide({ approvalId: pending!.id, approve: true, approverCredential: 'bob-token' });
    await expect(call).rejects.toThrow(/signature or binding does not verify/);
    expect(executed).toHaveLength(0);
    service.close();
    elsewhere.close();
  });

  it('denies with the approver and reason when the approver declines; the body never runs', async () => {
    const service = createService();
    service.events.on('approval-request', (request) => {
      void service.decide({
        approvalId: request.id,
        approve: false,
        approverCredential: 'bob-token',
        reason: 'too large',
      });
    });
    const { tool, executed } = refundTool(service, 'wait', 5_000);
    const error = await tool.call({ order: 'A-17' }, agent).catch((reason: unknown) => reason);
    expect(ApprovalDeniedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/denied by bob: too large/);
    expect(executed).toHaveLength(0);
  });

  it('denies when nobody decides in time and withdraws the request', async () => {
    vi.useFakeTimers();
    const service = createService();
    const { tool, executed } = refundTool(service, 'wait', 1_000);
    const call = tool.call({ order: 'A-17' }, agent).catch((reason: unknown) => reason);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await call;
    expect(ApprovalDeniedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/no decision within 1s/);
    expect(executed).toHaveLength(0);
    const [request] = await service.list();
    expect(request?.status).toBe('cancelled');
    await expect(
      service.decide({ approvalId: request!.id, approve: true, approverCredential: 'bob-token' }),
    ).rejects.toThrow(/already cancelled/);
  });

  it('denies when the call is aborted while waiting', async () => {
    const service = createService();
    const { tool, executed } = refundTool(service, 'wait', 5_000);
    const controller = new AbortController();
    const call = tool
      .call({ order: 'A-17' }, { ...agent, signal: controller.signal })
      .catch((reason: unknown) => reason);
    await vi.waitFor(async () => expect(await service.listPending()).toHaveLength(1));
    controller.abort();
    expect((await call) as Error).toSatisfy((error) => ApprovalDeniedError.isInstance(error));
    expect(executed).toHaveLength(0);
  });
});

describe('createApprovalGate in interrupt mode', () => {
  it('pauses with the request id, then resumes once approved, exactly once', async () => {
    const service = createService();
    const { tool, executed } = refundTool(service, 'interrupt');
    const paused = await pausedCall(tool.call({ order: 'A-17', amount: 500 }, agent));
    const stored = await service.get(paused.approvalId);
    expect(stored).toMatchObject({ status: 'pending', digest: paused.digest, expiresAt: paused.expiresAt });
    expect(paused.tool).toBe('issue_refund');

    // Resuming before a decision pauses again with the same request.
    const again = await pausedCall(
      tool.call({ order: 'A-17', amount: 500 }, { ...agent, approvalId: paused.approvalId }),
    );
    expect(again.approvalId).toBe(paused.approvalId);

    await service.decide({ approvalId: paused.approvalId, approve: true, approverCredential: 'bob-token' });
    await expect(
      tool.call({ order: 'A-17', amount: 500 }, { ...agent, approvalId: paused.approvalId }),
    ).resolves.toBe('refunded');
    expect(executed).toEqual([{ input: { order: 'A-17', amount: 500 }, approvalId: paused.approvalId }]);

    // Replay: the same approval cannot run the action twice.
    const replay = await tool
      .call({ order: 'A-17', amount: 500 }, { ...agent, approvalId: paused.approvalId })
      .catch((reason: unknown) => reason);
    expect(ApprovalDeniedError.isInstance(replay)).toBe(true);
    expect((replay as Error).message).toMatch(/already used/);
    expect(executed).toHaveLength(1);
  });

  it.each([
    ['the input', { input: { order: 'A-17', amount: 5000 } }],
    ['an added input field', { input: { order: 'A-17', amount: 500, note: 'x' } }],
    ['the tool', { tool: 'issue_credit' }],
    ['the agent', { context: { credential: 'other-agent-token' } }],
    ['the user', { context: { credential: 'agent-for-carol-token' } }],
    ['the audience', { context: { audience: 'other-api' } }],
  ] as const)(
    'rejects a resume that changes %s, and the approval stays usable for the approved call',
    async (_label, change) => {
      const service = createService();
      const { tool, otherTool, executed } = refundTool(service, 'interrupt');
      const approved = { order: 'A-17', amount: 500 };
      const paused = await pausedCall(tool.call(approved, agent));
      await service.decide({ approvalId: paused.approvalId, approve: true, approverCredential: 'bob-token' });

      const target = 'tool' in change ? otherTool : tool;
      const input = 'input' in change ? change.input : approved;
      const context = {
        ...agent,
        ...('context' in change ? change.context : {}),
        approvalId: paused.approvalId,
      };
      const error = await target.call(input, context).catch((reason: unknown) => reason);
      expect(ApprovalDeniedError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/covers a different action/);
      expect(executed).toHaveLength(0);

      await expect(tool.call(approved, { ...agent, approvalId: paused.approvalId })).resolves.toBe(
        'refunded',
      );
    },
  );

  it('rejects an expired approval', async () => {
    let time = Date.UTC(2026, 10, 1);
    const service = createService(() => time);
    const { tool, executed } = refundTool(service, 'interrupt');
    const paused = await pausedCall(tool.call({ order: 'A-17' }, agent));
    await service.decide({ approvalId: paused.approvalId, approve: true, approverCredential: 'bob-token' });
    time += 60_000;
    const error = await tool
      .call({ order: 'A-17' }, { ...agent, approvalId: paused.approvalId })
      .catch((reason: unknown) => reason);
    expect(ApprovalDeniedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/expired/);
    expect(executed).toHaveLength(0);
    service.close();
  });

  it('rejects a declined approval and an unknown id', async () => {
    const service = createService();
    const { tool, executed } = refundTool(service, 'interrupt');
    const paused = await pausedCall(tool.call({ order: 'A-17' }, agent));
    await service.decide({
      approvalId: paused.approvalId,
      approve: false,
      approverCredential: 'bob-token',
      reason: 'no',
    });
    await expect(tool.call({ order: 'A-17' }, { ...agent, approvalId: paused.approvalId })).rejects.toThrow(
      /denied by bob: no/,
    );
    await expect(tool.call({ order: 'A-17' }, { ...agent, approvalId: 'made-up' })).rejects.toThrow(
      /does not exist/,
    );
    expect(executed).toHaveLength(0);
  });

  it('never lets a changed input through (property)', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 8 }), json, { minKeys: 1, maxKeys: 5 }),
        json,
        async (input, replacement) => {
          const key = Object.keys(input)[0]!;
          const changed = { ...input, [key]: replacement };
          // Sorted by key only: a value such as `{ toString: false }` cannot be turned into a string.
          const byKey = (value: object) =>
            JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
          fc.pre(byKey(changed) !== byKey(input));
          const service = createService();
          const { tool, executed } = refundTool(service, 'interrupt');
          const paused = await pausedCall(tool.call(input, agent));
          await service.decide({
            approvalId: paused.approvalId,
            approve: true,
            approverCredential: 'bob-token',
          });
          const error = await tool
            .call(changed, { ...agent, approvalId: paused.approvalId })
            .catch((reason: unknown) => reason);
          expect(AccessDeniedError.isInstance(error)).toBe(true);
          expect(executed).toHaveLength(0);
          service.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('createApprovalGate options', () => {
  it('validates its options', () => {
    const service = createService();
    expect(() => createApprovalGate({ service, mode: 'later' as never })).toThrow(/mode/);
    expect(() => createApprovalGate({ service: {} as never, mode: 'wait' })).toThrow(/service/);
    expect(() => createApprovalGate({ service, mode: 'wait', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createApprovalGate({ service, mode: 'wait', pollIntervalMs: 1 })).toThrow(/pollIntervalMs/);
  });
});
