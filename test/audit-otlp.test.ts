/**
 * End to end: setupAudit() starts the OpenTelemetry Node SDK with the OTLP/HTTP exporter, guarded
 * calls and audit events produce spans, and a real OTLP receiver on loopback decodes what arrives.
 */
import { trace } from '@opentelemetry/api';
import { createOtelRecorder, recordApprovalSpan, recordPolicyReloadSpan } from '@palisade/audit';
import { setupAudit } from '@palisade/audit/setup';
import { AccessDeniedError, guard } from '@palisade/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyInput, decider, verifier } from './audit-fixtures.js';
import { type OtlpReceiver, startOtlpReceiver } from './audit-otlp-receiver.js';

describe('setupAudit with OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('delivers execute_tool and event spans with their names, attributes and nesting', async () => {
    const audit = await setupAudit({
      exporter: 'otlp',
      url: receiver.url,
      serviceName: 'support-bot',
      resourceAttributes: { 'deployment.environment.name': 'test' },
    });
    const recorder = createOtelRecorder({ captureContent: { redact: ['card'] } });
    const enforcement = { verifier, decider: decider(['send_email']), recorder };
    const app = trace.getTracer('agent-framework');
    const refund = guard(
      {
        name: 'refund',
        description: 'Refund an order',
        inputSchema: anyInput,
        effect: 'write',
        async execute() {
          recordApprovalSpan(undefined, {
            phase: 'consume',
            approvalId: 'ap-1',
            digest: 'f'.repeat(64),
            tool: 'refund',
            status: 'consumed',
            callId: 'call-refund',
          });
          return { refunded: 40 };
        },
      },
      enforcement,
    );
    const sendEmail = guard(
      {
        name: 'send_email',
        description: 'Send mail',
        inputSchema: anyInput,
        effect: 'send',
        execute: () => 'sent',
      },
      enforcement,
    );

    await app.startActiveSpan('ai.toolCall refund', async (frameworkSpan) => {
      await refund.call(
        { order: 'A-77', card: '4111 1111 1111 1111' },
        { credential: 'token', callId: 'call-refund' },
      );
      frameworkSpan.end();
    });
    const denied = await sendEmail
      .call({ to: 'exfil@attacker.example' }, { credential: 'token', callId: 'call-mail' })
      .catch((error: unknown) => error);
    expect(AccessDeniedError.isInstance(denied)).toBe(true);
    recordPolicyReloadSpan(undefined, { version: 'sha256:v2', previousVersion: 'sha256:v1', ruleCount: 4 });
    await audit.shutdown();

    expect(receiver.contentTypes).toEqual(new Set(['application/json']));
    const byName = new Map(receiver.spans.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual([
      'ai.toolCall refund',
      'execute_tool refund',
      'execute_tool send_email',
      'palisade.approval.consume',
      'palisade.policy.reload',
    ]);

    const refundSpan = byName.get('execute_tool refund')!;
    expect(refundSpan.kind).toBe(1); // SPAN_KIND_INTERNAL
    expect(refundSpan.scope).toBe('@palisade/audit');
    expect(refundSpan.resource).toMatchObject({
      'service.name': 'support-bot',
      'deployment.environment.name': 'test',
    });
    expect(refundSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'refund',
      'gen_ai.tool.call.id': 'call-refund',
      'gen_ai.agent.id': 'spiffe://acme.example/agent/support-bot',
      'user.id': 'alice',
      'user.roles': ['support'],
      'palisade.decision': 'allow',
      'palisade.rule_ids': ['allow-all'],
      'palisade.policy.version': 'sha256:test',
      'palisade.effect': 'write',
      'palisade.outcome': 'ok',
      'palisade.task': 'T-7',
    });
    expect(JSON.parse(String(refundSpan.attributes['gen_ai.tool.call.arguments']))).toEqual({
      order: 'A-77',
      card: '[REDACTED]',
    });
    // Nesting: framework span -> execute_tool -> the approval consumption inside the body.
    expect(refundSpan.parentSpanId).toBe(byName.get('ai.toolCall refund')!.spanId);
    expect(byName.get('palisade.approval.consume')!.parentSpanId).toBe(refundSpan.spanId);
    expect(byName.get('palisade.approval.consume')!.traceId).toBe(refundSpan.traceId);

    const mailSpan = byName.get('execute_tool send_email')!;
    expect(mailSpan.status.code).toBe(2); // STATUS_CODE_ERROR
    expect(mailSpan.attributes).toMatchObject({
      'palisade.decision': 'deny',
      'palisade.rule_ids': ['no-send'],
      'palisade.outcome': 'denied',
      'error.type': 'ERR_ACCESS_DENIED',
    });
    expect(byName.get('palisade.policy.reload')!.attributes).toMatchObject({
      'palisade.policy.version': 'sha256:v2',
      'palisade.policy.previous_version': 'sha256:v1',
      'palisade.policy.rule_count': 4,
    });
    expect(audit.dropped()).toBe(0);
  });
});
