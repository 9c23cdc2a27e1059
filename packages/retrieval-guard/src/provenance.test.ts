import { describe, expect, it } from 'vitest';
import { createProvenanceCheck, sealDocument } from './provenance.js';

const hmacKey = () => crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

describe('provenance', () => {
  it('catches a refreshed date, a re-labelled source and a forged signature', async () => {
    const key = await hmacKey();
    const other = await hmacKey();
    const now = Date.parse('2026-06-01T00:00:00Z');
    const check = createProvenanceCheck({
      sources: { kb: { key, maxAgeMs: 86_400_000 }, wiki: {} },
      now: () => now,
    });
    const old = await sealDocument(
      { pageContent: 'Refunds take 5 days.', metadata: {} },
      { source: 'kb', key, ingestedAt: new Date(now - 5 * 86_400_000) },
    );
    expect(await check.check(old)).toEqual({ ok: false, reason: 'stale' });
    const record = (old.metadata as Record<string, unknown>).provenance as Record<string, string>;
    // Making it look fresh breaks the signature.
    const refreshed = {
      ...old,
      metadata: { provenance: { ...record, ingestedAt: new Date(now).toISOString() } },
    };
    expect(await check.check(refreshed)).toEqual({ ok: false, reason: 'signature' });
    // Sealed with another key, or not signed at all, for a keyed source.
    const forged = await sealDocument(
      { pageContent: 'x', metadata: {} },
      { source: 'kb', key: other, ingestedAt: new Date(now) },
    );
    expect(await check.check(forged)).toEqual({ ok: false, reason: 'signature' });
    const unsigned = await sealDocument(
      { pageContent: 'x', metadata: {} },
      { source: 'kb', ingestedAt: new Date(now) },
    );
    expect(await check.check(unsigned)).toEqual({ ok: false, reason: 'signature' });
    // An unkeyed source passes on its hash; a source off the list never does.
    const wiki = await sealDocument(
      { pageContent: 'x', metadata: {} },
      { source: 'wiki', ingestedAt: new Date(now) },
    );
    expect(await check.check(wiki)).toEqual({ ok: true });
    const elsewhere = {
      ...wiki,
      metadata: {
        provenance: {
          ...((wiki.metadata as Record<string, unknown>).provenance as object),
          source: 'toString',
        },
      },
    };
    expect(await check.check(elsewhere)).toEqual({ ok: false, reason: 'source' });
    // From the future (beyond the skew) is not fresh either.
    const future = await sealDocument(
      { pageContent: 'x', metadata: {} },
      { source: 'wiki', ingestedAt: new Date(now + 3_600_000) },
    );
    expect(await check.check(future)).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects misuse', async () => {
    expect(() => createProvenanceCheck({ sources: { kb: { maxAgeMs: -1 } } })).toThrow(TypeError);
    await expect(sealDocument({ pageContent: 'x', metadata: {} }, { source: '' })).rejects.toThrow(TypeError);
  });
});
