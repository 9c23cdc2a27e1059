import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { createDigestKey, isDigestKey, keyedDigest } from './keyed-digest.js';

const SECRET = 'k'.repeat(16) + 'e'.repeat(16);

describe('keyedDigest', () => {
  it('is the HMAC-SHA-256 of the value, in lowercase hex', async () => {
    const key = await createDigestKey(SECRET);
    const { createHmac } = await import('node:crypto');
    expect(await keyedDigest(key, 'hello')).toBe(createHmac('sha256', SECRET).update('hello').digest('hex'));
  });

  it('is stable for one key and differs between keys', async () => {
    const first = await createDigestKey(SECRET);
    const again = await createDigestKey(new TextEncoder().encode(SECRET));
    const other = await createDigestKey('o'.repeat(32));
    expect(await keyedDigest(first, 'x')).toBe(await keyedDigest(again, 'x'));
    expect(await keyedDigest(first, 'x')).not.toBe(await keyedDigest(other, 'x'));
    expect(first.id).toBe(again.id);
    expect(first.id).not.toBe(other.id);
    expect(first.id).toMatch(/^[0-9a-f]{16}$/);
  });

  // The attack: a 4-digit PIN digested without a key is found by hashing all 10,000 candidates.
  it('a low-entropy input (a 4-digit PIN) is not recoverable by hashing candidates', async () => {
    const key = await createDigestKey(SECRET);
    const digest = await keyedDigest(key, canonicalJson({ pin: '4821' }));
    const recovered: string[] = [];
    for (let pin = 0; pin < 10_000; pin++) {
      const candidate = canonicalJson({ pin: String(pin).padStart(4, '0') });
      if (createHash('sha256').update(candidate).digest('hex') === digest) recovered.push(candidate);
    }
    expect(recovered).toEqual([]);
    // The same search does recover an unkeyed digest, so the search itself is sound.
    const unkeyed = createHash('sha256')
      .update(canonicalJson({ pin: '4821' }))
      .digest('hex');
    let found: string | undefined;
    for (let pin = 0; pin < 10_000 && found === undefined; pin++) {
      const candidate = String(pin).padStart(4, '0');
      if (
        createHash('sha256')
          .update(canonicalJson({ pin: candidate }))
          .digest('hex') === unkeyed
      )
        found = candidate;
    }
    expect(found).toBe('4821');
  });

  it('refuses a short secret and a key it did not make', async () => {
    await expect(createDigestKey('short')).rejects.toThrow(TypeError);
    await expect(createDigestKey(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(keyedDigest({ id: 'x' } as never, 'v')).rejects.toThrow(TypeError);
    expect(isDigestKey(await createDigestKey(SECRET))).toBe(true);
    expect(isDigestKey({ id: 'x', cryptoKey: {} })).toBe(false);
  });
});
