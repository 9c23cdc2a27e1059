import { type HmacKey, hmacSha256, prepareHmacKey } from './internal/sha256.js';

/**
 * Keyed digests (HMAC-SHA-256) for values that leave the process: input digests in spans and the
 * audit chain, approval digests shown to reviewers and carried by errors.
 *
 * A plain SHA-256 of a low-entropy value (a 4-digit PIN, an amount, a yes/no) is reversed by hashing
 * every candidate; an HMAC under a per-deployment secret is not, for anyone without the secret.
 *
 * The HMAC is computed synchronously in plain JavaScript (Web Crypto only offers an asynchronous
 * one), so the digest can be taken wherever a value is recorded, on every runtime.
 */

const MINIMUM_SECRET_BYTES = 32;
const PREPARED = Symbol.for('palisade.digest-key.prepared');

/** A per-deployment secret, prepared once for HMAC-SHA-256. Create it with {@link createDigestKey}. */
export interface DigestKey {
  /**
   * A short, public fingerprint of the secret (16 hex characters), written next to digests so a
   * reader knows which key made them, for example across a key rotation. It reveals nothing of the
   * secret.
   */
  readonly id: string;
}

interface PreparedDigestKey extends DigestKey {
  readonly [PREPARED]: HmacKey;
}

const encoder = new TextEncoder();

const HEX = Object.freeze(Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0')));

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let index = 0; index < bytes.length; index++) hex += HEX[bytes[index] as number];
  return hex;
}

/**
 * Prepares a per-deployment secret (at least 32 bytes, e.g. 32 random bytes or their base64 text,
 * kept in your secret manager) as a key for {@link keyedDigest}.
 *
 * Every replica of a deployment must use the same secret so their digests agree. To rotate, deploy
 * a new secret: digests made before and after differ, and the `id` written beside each tells them
 * apart.
 *
 * @example
 * ```ts
 * const key = createDigestKey(crypto.getRandomValues(new Uint8Array(32)));
 * const digest = keyedDigest(key, '{"pin":"1234"}');
 * ```
 * @see keyedDigest
 */
export function createDigestKey(secret: string | Uint8Array): DigestKey {
  const bytes = typeof secret === 'string' ? encoder.encode(secret) : secret;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('createDigestKey(): the secret must be a string or a Uint8Array');
  }
  if (bytes.byteLength < MINIMUM_SECRET_BYTES) {
    throw new TypeError(
      `createDigestKey(): the secret must be at least ${MINIMUM_SECRET_BYTES} bytes (got ${bytes.byteLength})`,
    );
  }
  const prepared = prepareHmacKey(bytes);
  const id = toHex(hmacSha256(prepared, encoder.encode('palisade.digest-key-id.v1'))).slice(0, 16);
  const key: PreparedDigestKey = { id, [PREPARED]: prepared };
  // The prepared state is not enumerable: logging or serialising the key shows its id only.
  Object.defineProperty(key, PREPARED, { enumerable: false });
  return Object.freeze(key);
}

/**
 * The HMAC-SHA-256 of `value` (a string is taken as UTF-8) under `key`, as lowercase hex.
 *
 * @example
 * ```ts
 * const digest = keyedDigest(key, canonicalJson({ pin: '1234' }));
 * ```
 * @see createDigestKey
 */
export function keyedDigest(key: DigestKey, value: string | Uint8Array): string {
  if (!isDigestKey(key)) throw new TypeError('keyedDigest(): key must come from createDigestKey()');
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new TypeError('keyedDigest(): value must be a string or a Uint8Array');
  }
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  return toHex(hmacSha256((key as PreparedDigestKey)[PREPARED], bytes));
}

/**
 * True when `value` is a key made by {@link createDigestKey} (by any copy of Palisade).
 *
 * @example
 * ```ts
 * if (!isDigestKey(options.digestKey)) throw new TypeError('digestKey must come from createDigestKey()');
 * ```
 */
export function isDigestKey(value: unknown): value is DigestKey {
  if (typeof value !== 'object' || value === null) return false;
  const prepared = (value as Partial<PreparedDigestKey>)[PREPARED];
  return (
    typeof (value as Partial<DigestKey>).id === 'string' &&
    typeof prepared === 'object' &&
    prepared !== null &&
    prepared.inner?.words instanceof Uint32Array &&
    prepared.outer?.words instanceof Uint32Array
  );
}
