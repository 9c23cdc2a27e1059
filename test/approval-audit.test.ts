/**
 * Approval steps as audit spans: with `observeApprovals` feeding `recordApprovalSpan`, the request
 * and the consumption nest under the tool call's span, the decision carries the ids to join on,
 * and a tampered resume leaves an error span.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, context, ROOT_CONTEXT, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  createApprovalGate,
  createApprovalService,
  createMemoryApprovalStore,
  observeApprovals,
} from '@palisade/approval';
import { createOtelRecorder, recordApprovalSpan } from '@palisade/audit';
import {
  ApprovalRequiredError,
  CredentialError,
  guard,
  type Principal,
  type StandardSchemaV1,
} from '@palisade/core';
import { afterAll, describe, expect, it } from 'vitest';

const storage = new AsyncLocalStorage<Context>();
const manager: ContextManager = {
  active: () => storage.getStore() ?? ROOT_CONTEXT,
  with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
  bind: (_ctx, target) => target,
  enable: () => manager,
  disable: () => manager,
};
context.setGlobalContextManager(manager);
afterAll(() => {
  context.disable();
});

const principal: Principal = {
  agent: { id: 'spiffe://acme.test/agent/support-bot' },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', 'spiffe://acme.test/agent/support-bot'],
  scopes: [],
  claims: {},
};

const anyObject: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => ({ value: value as Record<string, unknown> }),
  },
};

describe('approval spans', () => {
  it('nest the request and consumption under the tool call span', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('approval-audit-test');
    const service = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: (credential) => {
        if (credential !== 'bob-token') throw new CredentialError('unknown');
        return { id: 'bob', roles: ['approver'], human: true };
      },
    });
    observeApprovals(service, (event) => recordApprovalSpan(tracer, event, { error: event.error }));
    const refund = guard(
      {
        name: 'issue_refund',
        description: 'Refund an order',
        inputSchema: anyObject,
        effect: 'write',
        execute: async () => 'refunded',
      },
      {
        verifier: {
          async verify(credential) {
            if (credential !== 'agent-token') throw new CredentialError('unknown');
            return principal;
          },
        },
        decider: {
          decide: () => ({
            effect: 'approve',
            reason: 'refunds need a human',
            ruleIds: ['r-refund'],
            policyVersion: 'v1',
            obligations: [],
          }),
        },
        recorder: createOtelRecorder({ tracer }),
        approvals: createApprovalGate({ service, mode: 'interrupt' }),
      },
    );

    const paused = await refund
      .call({ order: 'A-1' }, { credential: 'agent-token', callId: 'call-1' })
      .catch((error: unknown) => error);
    expect(ApprovalRequiredError.isInstance(paused)).toBe(true);
    const { approvalId } = paused as ApprovalRequiredError;
    await service.decide({ approvalId, approve: true, approverCredential: 'bob-token' });
    await expect(
      refund.call({ order: 'A-2' }, { credential: 'agent-token', callId: 'call-2', approvalId }),
    ).rejects.toThrow(/covers a different action/);
    await expect(
      refund.call({ order: 'A-1' }, { credential: 'agent-token', callId: 'call-3', approvalId }),
    ).resolves.toBe('refunded');

    const spans = exporter.getFinishedSpans();
    const toolSpan = (callId: string) =>
      spans.find(
        (span) =>
          span.name === 'execute_tool issue_refund' && span.attributes['gen_ai.tool.call.id'] === callId,
      )!;
    const byName = (name: string) => spans.filter((span) => span.name === name);

    const [requested] = byName('palisade.approval.request');
    expect(requested?.parentSpanContext?.spanId).toBe(toolSpan('call-1').spanContext().spanId);
    expect(requested?.attributes).toMatchObject({
      'palisade.approval.id': approvalId,
      'palisade.approval.status': 'pending',
    });

    const [decided] = byName('palisade.approval.decision');
    expect(decided?.attributes).toMatchObject({
      'palisade.approval.id': approvalId,
      'palisade.approval.status': 'approved',
      'palisade.approval.reviewer': 'bob',
      'gen_ai.tool.call.id': 'call-1',
    });

    const consumed = byName('palisade.approval.consume');
    expect(consumed).toHaveLength(2);
    const [tampered, used] = consumed;
    expect(tampered?.parentSpanContext?.spanId).toBe(toolSpan('call-2').spanContext().spanId);
    expect(tampered?.status.code).toBe(SpanStatusCode.ERROR);
    expect(used?.parentSpanContext?.spanId).toBe(toolSpan('call-3').spanContext().spanId);
    expect(used?.attributes['palisade.approval.status']).toBe('consumed');
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('A-1');
    service.close();
  });
});
