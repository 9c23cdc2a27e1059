/**
 * Attack (issue 12, item 7): read `palisade.input.digest` from a span (or `inputDigest` from the
 * chain) and recover a low-entropy input (a 4-digit PIN) by hashing every candidate.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, createDigestKey } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { createOtelRecorder } from './create-otel-recorder.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { deciderFor, memoryTracing, tool, verifier } from './test-support/fixtures.js';

/** The attacker's search: SHA-256 of the canonical JSON of every PIN. */
function recoverPin(digest: string): string | undefined {
  for (let pin = 0; pin < 10_000; pin++) {
    const candidate = String(pin).padStart(4, '0');
    if (
      createHash('sha256')
        .update(canonicalJson({ pin: candidate }))
        .digest('hex') === digest
    )
      return candidate;
  }
  return undefined;
}

async function digestsOf(options: Parameters<typeof createOtelRecorder>[0] = {}) {
  const { provider, exporter } = memoryTracing();
  const store = createMemoryChainStore();
  const chain = createAuditChain({ store });
  const recorder = createOtelRecorder({ ...options, tracer: provider.getTracer('t'), chain });
  const unlock = tool('unlock', 'write', { verifier, decider: deciderFor(), recorder }, () => 'ok');
  await unlock.call({ pin: '4821' }, { credential: 'good-token', callId: 'c1' });
  await chain.close();
  const span = exporter.getFinishedSpans()[0];
  const intent = store.lines
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          data: { request?: { inputDigest: string; inputDigestKey: string } };
        },
    )
    .find((record) => record.type === 'intent');
  return {
    span: span?.attributes['palisade.input.digest'] as string,
    spanKey: span?.attributes['palisade.input.digest_key'] as string,
    chain: intent?.data.request?.inputDigest as string,
    chainKey: intent?.data.request?.inputDigestKey as string,
  };
}

describe('input digests cannot be reversed', () => {
  it('a 4-digit PIN is not recoverable from the span or the chain by hashing candidates', async () => {
    // The search works on an unkeyed digest, so it is a real attack.
    expect(
      recoverPin(
        createHash('sha256')
          .update(canonicalJson({ pin: '4821' }))
          .digest('hex'),
      ),
    ).toBe('4821');
    const digests = await digestsOf();
    expect(digests.span).toMatch(/^[0-9a-f]{64}$/);
    expect(digests.chain).toBe(digests.span);
    expect(recoverPin(digests.span)).toBeUndefined();
    expect(recoverPin(digests.chain)).toBeUndefined();
  });

  it('replicas sharing a digest key agree on digests and name the key; another key differs', async () => {
    const key = createDigestKey('a-per-deployment-secret-of-32-bytes!');
    const first = await digestsOf({ digestKey: key });
    const second = await digestsOf({ digestKey: key });
    const other = await digestsOf({ digestKey: createDigestKey('another-deployment-secret-32-bytes!!') });
    expect(first.span).toBe(second.span);
    expect(first.spanKey).toBe(key.id);
    expect(first.chainKey).toBe(key.id);
    expect(other.span).not.toBe(first.span);
    // Without a key, each recorder makes its own random one: still keyed, never the plain hash.
    const unset = await digestsOf();
    expect(unset.span).not.toBe(first.span);
    expect(unset.span).not.toBe(
      createHash('sha256')
        .update(canonicalJson({ pin: '4821' }))
        .digest('hex'),
    );
  });

  it('refuses a digest key that does not come from createDigestKey()', () => {
    expect(() => createOtelRecorder({ digestKey: { id: 'x' } })).toThrow(TypeError);
  });
});
