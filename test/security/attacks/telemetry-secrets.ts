/** Issue 12, items 6 and 7: secrets and low-entropy inputs must not be recoverable from telemetry. */
import { createHash } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createAuditChain, createMemoryChainStore, createOtelRecorder } from '@palisade/audit';
import { canonicalJson, type Decider, guard, type Principal } from '@palisade/core';
import { createPolicyEngine, definePolicy } from '@palisade/policy';
import { broken, defineAttack, held } from '../attack-scenario.js';

const AGENT = 'spiffe://acme.example/agent/support-bot';
const principal: Principal = {
  agent: { id: AGENT },
  user: { id: 'alice', roles: ['support'] },
  delegation: ['alice', AGENT],
  scopes: [],
  claims: {},
};
const verifier = { verify: async () => principal };
const anyObject = {
  '~standard': {
    version: 1 as const,
    vendor: 'attack',
    validate: (value: unknown) => ({ value: value as Record<string, unknown> }),
  },
};

/** Runs one call through a recorder with a chain; returns every span and chain line as text. */
async function telemetryOf(options: {
  decider: Decider;
  input: Record<string, unknown>;
  captureContent?: Parameters<typeof createOtelRecorder>[0] extends infer O
    ? O extends { captureContent?: infer C }
      ? C
      : never
    : never;
  execute?: () => unknown;
}): Promise<{ text: string; digest: string }> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const store = createMemoryChainStore();
  const chain = createAuditChain({ store });
  const recorder = createOtelRecorder({
    tracer: provider.getTracer('attack'),
    chain,
    captureContent: options.captureContent,
  });
  const tool = guard(
    {
      name: 'transfer',
      description: 'moves money',
      inputSchema: anyObject,
      effect: 'write',
      execute: async () => options.execute?.() ?? 'done',
    },
    { verifier, decider: options.decider, recorder },
  );
  await tool.call(options.input, { credential: 'token' }).catch(() => undefined);
  await chain.close();
  const spans = exporter.getFinishedSpans();
  const text = JSON.stringify({
    spans: spans.map((span) => ({ attributes: span.attributes, status: span.status, events: span.events })),
    lines: store.lines,
  });
  return { text, digest: String(spans[0]?.attributes['palisade.input.digest']) };
}

const SECRET = ['AKIA', 'Q3ZX8W2LMN', 'PRSTUV'].join('');

export const attacks = [
  defineAttack({
    name: 'policy-reason-quotes-input',
    item: 6,
    summary: 'a condition that fails on a secret value makes the policy quote it in the reason',
    async run() {
      const engine = createPolicyEngine({
        policy: definePolicy({
          tools: { transfer: { effect: 'write' } },
          rules: [
            {
              id: 'eur-only',
              effect: 'allow',
              tools: ['transfer'],
              agents: [AGENT],
              approval: 'none',
              when: { 'input.currency': 'EUR' },
            },
            { id: 'pin', effect: 'deny', tools: ['transfer'], when: { 'input.pin': { gt: 1000 } } },
          ],
        }),
      });
      const { text } = await telemetryOf({ decider: engine, input: { currency: SECRET, pin: 'x-4821' } });
      for (const leaked of [SECRET, '4821'])
        if (text.includes(leaked)) return broken(`telemetry holds ${leaked}`);
      return held();
    },
  }),
  defineAttack({
    name: 'secret-in-unnamed-field-captured',
    item: 6,
    summary: 'with content capture on, a key in a field the app did not name reaches the span',
    async run() {
      const allow: Decider = {
        decide: () => ({
          effect: 'allow',
          reason: 'ok',
          ruleIds: ['r'],
          policyVersion: 'v',
          obligations: [],
        }),
      };
      const { text } = await telemetryOf({
        decider: allow,
        input: { note: `key ${SECRET}`, url: 'https://u:hunter2-pass@example.com/' },
        captureContent: { redact: ['card.number'] },
        execute: () => {
          throw new Error(`upstream refused key ${SECRET}`);
        },
      });
      for (const leaked of [SECRET, 'hunter2-pass'])
        if (text.includes(leaked)) return broken(`telemetry holds ${leaked}`);
      return held();
    },
  }),
  defineAttack({
    name: 'input-digest-pin-bruteforce',
    item: 7,
    summary: 'hash all 10,000 PINs and compare with palisade.input.digest to recover the PIN',
    async run() {
      const allow: Decider = {
        decide: () => ({
          effect: 'allow',
          reason: 'ok',
          ruleIds: ['r'],
          policyVersion: 'v',
          obligations: [],
        }),
      };
      const { digest } = await telemetryOf({ decider: allow, input: { pin: '4821' } });
      for (let pin = 0; pin < 10_000; pin++) {
        const candidate = String(pin).padStart(4, '0');
        if (
          createHash('sha256')
            .update(canonicalJson({ pin: candidate }))
            .digest('hex') === digest
        )
          return broken(`recovered PIN ${candidate} from the span's input digest`);
      }
      return held();
    },
  }),
];
