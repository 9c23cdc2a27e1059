import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { sha256 } from './internal/sha256.js';
import { createDigestKey, isDigestKey, keyedDigest } from './keyed-digest.js';

const SECRET = 'k'.repeat(16) + 'e'.repeat(16);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('keyedDigest', () => {
  it('is the HMAC-SHA-256 of the value, in lowercase hex (checked against node:crypto)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 200 }),
        fc.uint8Array({ maxLength: 400 }),
        (secret, value) => {
          const key = createDigestKey(secret);
          expect(keyedDigest(key, value)).toBe(createHmac('sha256', secret).update(value).digest('hex'));
        },
      ),
      { numRuns: 300 },
    );
    const key = createDigestKey(SECRET);
    expect(keyedDigest(key, 'héllo ✓')).toBe(createHmac('sha256', SECRET).update('héllo ✓').digest('hex'));
  });

  it('hashes like SHA-256 at every length around the block boundaries', () => {
    for (let length = 0; length < 300; length++) {
      const bytes = randomBytes(length);
      expect(hex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('matches the RFC 4231 test vector with a key longer than a block', () => {
    const key = createDigestKey(new Uint8Array(131).fill(0xaa));
    expect(keyedDigest(key, 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('is stable for one key and differs between keys', () => {
    const first = createDigestKey(SECRET);
    const again = createDigestKey(new TextEncoder().encode(SECRET));
    const other = createDigestKey('o'.repeat(32));
    expect(keyedDigest(first, 'x')).toBe(keyedDigest(again, 'x'));
    expect(keyedDigest(first, 'x')).not.toBe(keyedDigest(other, 'x'));
    expect(first.id).toBe(again.id);
    expect(first.id).not.toBe(other.id);
    expect(first.id).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(first)).toBe(`{"id":"${first.id}"}`);
  });

  // The attack: a 4-digit PIN digested without a key is found by hashing all 10,000 candidates.
  it('a low-entropy input (a 4-digit PIN) is not recoverable by hashing candidates', () => {
    const key = createDigestKey(SECRET);
    const search = (digest: string): string | undefined => {
      for (let pin = 0; pin < 10_000; pin++) {
        const candidate = String(pin).padStart(4, '0');
        const text = canonicalJson({ pin: candidate });
        if (createHash('sha256').update(text).digest('hex') === digest) return candidate;
      }
      return undefined;
    };
    // The search recovers an unkeyed digest, so the search itself is sound...
    expect(
      search(
        createHash('sha256')
          .update(canonicalJson({ pin: '4821' }))
          .digest('hex'),
      ),
    ).toBe('4821');
    // ...and finds nothing behind a keyed one.
    expect(search(keyedDigest(key, canonicalJson({ pin: '4821' })))).toBeUndefined();
  });

  it('refuses a short secret and a key it did not make', () => {
    expect(() => createDigestKey('short')).toThrow(TypeError);
    expect(() => createDigestKey(42 as unknown as string)).toThrow(TypeError);
    expect(() => keyedDigest({ id: 'x' }, 'v')).toThrow(TypeError);
    expect(() => keyedDigest(createDigestKey(SECRET), 42 as unknown as string)).toThrow(TypeError);
    expect(isDigestKey(createDigestKey(SECRET))).toBe(true);
    expect(isDigestKey({ id: 'x' })).toBe(false);
  });
});
