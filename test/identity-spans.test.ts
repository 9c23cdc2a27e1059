/**
 * Issuance, delegation and revocation each produce a span through the real OpenTelemetry SDK, and a
 * refused issuance ends its span in error with the refusal's code.
 */

import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  createAgentIssuer,
  createAgentRegistry,
  createMemoryRevocationStore,
  generateSigningKey,
} from '@palisade/identity';
import { describe, expect, it } from 'vitest';

describe('identity spans', () => {
  it('one span per issuance, delegation and revocation, with the token and agent attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const registry = createAgentRegistry({ trustDomain: 'acme.example' });
    registry.register({
      name: 'support-bot',
      owner: 'team-support',
      purpose: 'Answers tickets',
      tools: ['tickets:read'],
    });
    registry.register({
      name: 'researcher',
      owner: 'team-support',
      purpose: 'Reads the KB',
      tools: ['tickets:read'],
    });
    const issuer = createAgentIssuer({
      issuer: 'https://palisade.acme.example',
      audience: 'support-api',
      trustDomain: 'acme.example',
      keys: await generateSigningKey({ kid: 'key-1' }),
      registry,
      revocations: createMemoryRevocationStore(),
      tracer: provider.getTracer('identity-test'),
    });

    const parent = await issuer.issue({
      agent: 'support-bot',
      user: { id: 'alice', roles: ['support'] },
      task: 'task-7',
    });
    await issuer.delegate(parent, { agent: 'researcher' });
    await issuer.revoke({ task: 'task-7', reason: 'done' });
    await expect(issuer.issue({ agent: 'ghost' })).rejects.toThrow();

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual([
      'palisade.identity.issue',
      'palisade.identity.delegate',
      'palisade.identity.revoke',
      'palisade.identity.issue',
    ]);
    const [issued, delegated, revoked, refused] = spans;
    expect(issued!.attributes).toMatchObject({
      'gen_ai.agent.id': 'spiffe://acme.example/agent/support-bot',
      'user.id': 'alice',
      'palisade.token.kid': 'key-1',
      'palisade.task.id': 'task-7',
      'palisade.token.scopes': ['tickets:read'],
    });
    expect(issued!.attributes['palisade.token.id']).toEqual(expect.any(String));
    expect(delegated!.attributes).toMatchObject({
      'gen_ai.agent.id': 'spiffe://acme.example/agent/researcher',
      'palisade.delegation.depth': 1,
      'palisade.delegation.parent_token_id': issued!.attributes['palisade.token.id'],
    });
    expect(revoked!.attributes).toMatchObject({
      'palisade.revocation.kind': 'task',
      'palisade.revocation.value': 'task-7',
    });
    expect(refused!.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused!.attributes['error.type']).toBe('ERR_ISSUANCE_REFUSED');
    await provider.shutdown();
  });
});
