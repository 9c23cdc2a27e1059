/**
 * Attack (issue 12, item 6): get a credential into telemetry by a route the app did not name: a
 * free-text field, a URL, an error message, a decider's reason, a tool's output.
 */
import { describe, expect, it } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { createOtelRecorder } from './create-otel-recorder.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { createSecretRedactor, isSecretFieldName } from './secret-redactor.js';
import { deciderFor, memoryTracing, tool, verifier } from './test-support/fixtures.js';

const AWS_KEY = ['AKIA', 'Z7X2Q9LMN4', 'PRSTUV'].join('');
const DB_PASSWORD = 'Tr0ub4dor-and-3';
const JWT = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiJib2IifQ', 'c2lnbmF0dXJlLWhlcmU'].join('.');
const API_KEY = 'not-a-known-format-but-named';
const SECRETS = [AWS_KEY, DB_PASSWORD, JWT, API_KEY];

function telemetryOf(
  exporter: ReturnType<typeof memoryTracing>['exporter'],
  lines: readonly string[],
): string {
  const spans = exporter.getFinishedSpans().map((span) => ({
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
  }));
  return JSON.stringify({ spans, lines });
}

function leaked(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

describe('no secret reaches telemetry', () => {
  it('with capture on, the default detector redacts what the named fields miss', async () => {
    const { provider, exporter } = memoryTracing();
    const store = createMemoryChainStore();
    const chain = createAuditChain({ store });
    const recorder = createOtelRecorder({
      tracer: provider.getTracer('t'),
      chain,
      captureContent: { redact: ['card.number'] },
    });
    const enforcement = { verifier, decider: deciderFor(), recorder };
    const connect = tool('connect', 'write', enforcement, () => ({ session: JWT, note: 'connected' }));
    await connect.call(
      {
        note: `use key ${AWS_KEY} please`,
        url: `postgres://app:${DB_PASSWORD}@db.internal/app`,
        apiKey: API_KEY,
        card: { number: '4111' },
      },
      { credential: 'good-token', callId: 'c1' },
    );
    const failing = tool('fail', 'write', enforcement, () => {
      throw new Error(`upstream said: Authorization: Bearer ${JWT}`);
    });
    await expect(failing.call({}, { credential: 'good-token', callId: 'c2' })).rejects.toThrow();
    await chain.close();
    const text = telemetryOf(exporter, store.lines);
    expect(leaked(text)).toEqual([]);
    // The redaction kept the surrounding content, so capture is still useful.
    expect(text).toContain('postgres://app:[REDACTED]@db.internal/app');
    expect(text).toContain('connected');
  });

  it('with capture off, a decider reason or a refusal quoting a secret is cleaned', async () => {
    const { provider, exporter } = memoryTracing();
    const store = createMemoryChainStore();
    const chain = createAuditChain({ store });
    const recorder = createOtelRecorder({ tracer: provider.getTracer('t'), chain });
    const decider = {
      async decide(request: { input: unknown }) {
        return {
          effect: 'deny' as const,
          reason: `refused the call with ${JSON.stringify(request.input)}`,
          ruleIds: ['custom'],
          policyVersion: 'v1',
          obligations: [],
        };
      },
    };
    const send = tool('send', 'send', { verifier, decider, recorder }, () => 'sent');
    await expect(
      send.call({ key: AWS_KEY, url: `https://u:${DB_PASSWORD}@x.example/` }, { credential: 'good-token' }),
    ).rejects.toThrow();
    await chain.close();
    expect(leaked(telemetryOf(exporter, store.lines))).toEqual([]);
  });

  it('names a field as a credential by its last word', () => {
    for (const name of ['password', 'clientSecret', 'x-auth-token', 'card_pin', 'apiKey', 'PRIVATE_KEY'])
      expect(isSecretFieldName(name)).toBe(true);
    for (const name of ['maxTokens', 'tokenCount', 'pinned', 'keyboard', 'description'])
      expect(isSecretFieldName(name)).toBe(false);
    expect(
      createSecretRedactor().redact(
        { n: 4111111111111111, list: [`k=${AWS_KEY}`] },
        { tool: 't', field: 'input' },
      ),
    ).toEqual({ n: '[REDACTED]', list: ['k=[REDACTED]'] });
  });
});
