import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url, isCanonicalBase64url } from './base64url.js';

describe('strict base64url', () => {
  it('round-trips every byte string, and its encoding is canonical', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(isCanonicalBase64url(text)).toBe(true);
        expect(Buffer.compare(decodeBase64url(text)!, Buffer.from(bytes))).toBe(0);
      }),
    );
  });

  it('accepts exactly one encoding per byte string (no malleable trailing bits)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 15 }),
        (bytes, flip) => {
          const text = encodeBase64url(bytes);
          if (text.length % 4 === 0) return;
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const last = alphabet.indexOf(text.at(-1)!);
          const unused = text.length % 4 === 2 ? 0x0f : 0x03;
          const mutated = `${text.slice(0, -1)}${alphabet[last ^ (flip & unused)]}`;
          if (mutated === text) return;
          // Node would decode both to the same bytes; the strict decoder refuses the variant.
          expect(Buffer.from(mutated, 'base64url').equals(Buffer.from(bytes))).toBe(true);
          expect(decodeBase64url(mutated)).toBeUndefined();
        },
      ),
    );
  });

  it.each(['abc=', 'ab cd', 'ab+/', 'a', 'ab?c', 'YQ==', '\u00e9'])('refuses %j', (text) => {
    expect(isCanonicalBase64url(text)).toBe(false);
  });
});
