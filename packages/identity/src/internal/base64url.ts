/**
 * Strict base64url (RFC 4648 §5, no padding) as RFC 7515 §2 requires: only the 64 alphabet
 * characters, no whitespace, no `=` and no non-zero unused bits, so every byte string has exactly
 * one accepted encoding.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Int8Array(128).fill(-1);
for (let index = 0; index < ALPHABET.length; index++) VALUES[ALPHABET.charCodeAt(index)] = index;

const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/;

/** True when `text` is canonical unpadded base64url. */
export function isCanonicalBase64url(text: string): boolean {
  const length = text.length;
  if (length % 4 === 1 || !ALPHABET_ONLY.test(text)) return false;
  if (length === 0) return true;
  const last = VALUES[text.charCodeAt(length - 1)]!;
  // Two trailing characters carry 8 bits (4 unused), three carry 16 bits (2 unused).
  if (length % 4 === 2) return (last & 0x0f) === 0;
  if (length % 4 === 3) return (last & 0x03) === 0;
  return true;
}

/** Decodes canonical base64url; `undefined` for anything else. */
export function decodeBase64url(text: string): Buffer | undefined {
  return isCanonicalBase64url(text) ? Buffer.from(text, 'base64url') : undefined;
}

/** Encodes bytes or a UTF-8 string as unpadded base64url. */
export function encodeBase64url(data: Uint8Array | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64url');
}
