import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { auditEvent } from './audit-event.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { recordApprovalSpan } from './record-approval-span.js';
import { recordIdentitySpan } from './record-identity-span.js';
import { recordPolicyReloadSpan } from './record-policy-reload-span.js';
import { recordRetrievalSpan } from './record-retrieval-span.js';
import { enableAsyncContext, memoryTracing } from './test-support/fixtures.js';

const { provider, exporter } = memoryTracing();
const tracer = provider.getTracer('test');
beforeEach(() => exporter.reset());
let disableContext: () => void;
beforeAll(() => {
  disableContext = enableAsyncContext();
});
afterAll(() => disableContext());

function spans() {
  return exporter
    .getFinishedSpans()
    .map((span) => ({ name: span.name, status: span.status.code, attributes: span.attributes }));
}

describe('audit event spans', () => {
  it('records the approval life cycle, bound to the digest, never the payload', () => {
    const base = { approvalId: 'ap-1', digest: 'd'.repeat(64), tool: 'refund', callId: 'c-1' };
    recordApprovalSpan(tracer, {
      ...base,
      phase: 'request',
      status: 'pending',
      agentId: 'spiffe://a/agent/x',
      userId: 'alice',
      ruleIds: ['big-refund'],
      policyVersion: 'v1',
    });
    recordApprovalSpan(tracer, { ...base, phase: 'decision', status: 'approved', reviewer: 'bob' });
    recordApprovalSpan(tracer, { ...base, phase: 'consume', status: 'consumed' });
    expect(spans()).toEqual([
      {
        name: 'palisade.approval.request',
        status: SpanStatusCode.UNSET,
        attributes: {
          'palisade.approval.id': 'ap-1',
          'palisade.approval.digest': 'd'.repeat(64),
          'palisade.approval.status': 'pending',
          'gen_ai.tool.name': 'refund',
          'gen_ai.tool.call.id': 'c-1',
          'gen_ai.agent.id': 'spiffe://a/agent/x',
          'user.id': 'alice',
          'palisade.rule_ids': ['big-refund'],
          'palisade.policy.version': 'v1',
        },
      },
      expect.objectContaining({
        name: 'palisade.approval.decision',
        attributes: expect.objectContaining({ 'palisade.approval.reviewer': 'bob' }),
      }),
      expect.objectContaining({
        name: 'palisade.approval.consume',
        attributes: expect.objectContaining({ 'palisade.approval.status': 'consumed' }),
      }),
    ]);
    expect(() => recordApprovalSpan(tracer, { ...base, phase: 'other' as never, status: 'x' })).toThrow(
      /phase/,
    );
  });

  it('records identity issuance, delegation and revocation', () => {
    recordIdentitySpan(tracer, {
      operation: 'issue',
      subject: 'spiffe://a/agent/x',
      tokenId: 'j1',
      userId: 'alice',
      expiresAt: 1700000300,
    });
    recordIdentitySpan(tracer, {
      operation: 'delegate',
      subject: 'spiffe://a/agent/sub',
      delegation: ['alice', 'spiffe://a/agent/x', 'spiffe://a/agent/sub'],
      task: 'T-1',
    });
    recordIdentitySpan(tracer, { operation: 'revoke', subject: 'j1', target: 'token' });
    expect(spans().map((span) => [span.name, span.attributes['palisade.identity.operation']])).toEqual([
      ['palisade.identity.issue', 'issue'],
      ['palisade.identity.delegate', 'delegate'],
      ['palisade.identity.revoke', 'revoke'],
    ]);
    expect(spans()[1]!.attributes['palisade.delegation.chain']).toHaveLength(3);
    expect(spans()[2]!.attributes['palisade.identity.target']).toBe('token');
  });

  it('records policy reloads, and a rejected reload as an error', () => {
    recordPolicyReloadSpan(tracer, {
      version: 'v2',
      previousVersion: 'v1',
      ruleCount: 12,
      source: 'policy.yaml',
    });
    const invalid = Object.assign(new Error('rule 3: unknown effect'), { code: 'ERR_POLICY_INVALID' });
    recordPolicyReloadSpan(tracer, { version: 'v3' }, { error: invalid });
    const [ok, failed] = spans();
    expect(ok).toMatchObject({
      name: 'palisade.policy.reload',
      status: SpanStatusCode.UNSET,
      attributes: {
        'palisade.policy.version': 'v2',
        'palisade.policy.previous_version': 'v1',
        'palisade.policy.rule_count': 12,
      },
    });
    expect(failed).toMatchObject({
      status: SpanStatusCode.ERROR,
      attributes: { 'error.type': 'ERR_POLICY_INVALID' },
    });
  });

  it('records what the retrieval guard withheld as `retrieval {source}`', () => {
    recordRetrievalSpan(tracer, {
      source: 'tickets',
      returned: 5,
      withheld: 1,
      redacted: 2,
      findings: ['injection'],
      labels: ['tainted'],
    });
    expect(spans()).toEqual([
      {
        name: 'retrieval tickets',
        status: SpanStatusCode.UNSET,
        attributes: {
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.data_source.id': 'tickets',
          'palisade.retrieval.returned': 5,
          'palisade.retrieval.withheld': 1,
          'palisade.retrieval.redacted': 2,
          'palisade.retrieval.findings': ['injection'],
          'palisade.session.labels': ['tainted'],
        },
      },
    ]);
  });

  it('nests under the active span and can also chain the event', async () => {
    const store = createMemoryChainStore();
    const chain = createAuditChain({ store });
    tracer.startActiveSpan('approval console request', (parent) => {
      auditEvent(tracer, 'custom.event', { 'palisade.approval.id': 'ap-9' }, { chain, error: 'expired' });
      parent.end();
    });
    await chain.flush();
    const [event, parent] = exporter.getFinishedSpans();
    expect(event!.parentSpanContext?.spanId).toBe(parent!.spanContext().spanId);
    expect(event!.attributes['error.type']).toBe('error');
    expect(JSON.parse(store.lines[0]!)).toMatchObject({
      type: 'event',
      data: { name: 'custom.event', attributes: { 'palisade.approval.id': 'ap-9' }, error: 'expired' },
    });
  });
});
