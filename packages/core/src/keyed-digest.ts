/**
 * Keyed digests (HMAC-SHA-256 through Web Crypto) for values that leave the process: input digests
 * in spans and the audit chain, approval digests shown to reviewers.
 *
 * A plain SHA-256 of a low-entropy value (a 4-digit PIN, an amount, a yes/no) is reversed by hashing
 * every candidate; an HMAC under a per-deployment secret is not, for anyone without the secret.
 */

const MINIMUM_SECRET_BYTES = 32;

/** A per-deployment secret, imported once for HMAC-SHA-256. Create it with {@link createDigestKey}. */
export interface DigestKey {
  /**
   * A short, public fingerprint of the secret (16 hex characters), written next to digests so a
   * reader knows which key made them, for example across a key rotation. It reveals nothing of the
   * secret.
   */
  readonly id: string;
  /** The non-extractable HMAC-SHA-256 key (Web Crypto); the secret itself cannot be read back. */
  readonly cryptoKey: CryptoKey;
}

const encoder = new TextEncoder();

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Imports a per-deployment secret (at least 32 bytes, e.g. 32 random bytes or their base64 text,
 * kept in your secret manager) as a key for {@link keyedDigest}.
 *
 * Every replica of a deployment must use the same secret so their digests agree. To rotate, deploy
 * a new secret: digests made before and after differ, and the `id` written beside each tells them
 * apart.
 *
 * @example
 * ```ts
 * const key = await createDigestKey(process.env.PALISADE_DIGEST_KEY ?? '');
 * const digest = await keyedDigest(key, '{"pin":"1234"}');
 * ```
 * @see keyedDigest
 */
export async function createDigestKey(secret: string | Uint8Array): Promise<DigestKey> {
  const bytes = typeof secret === 'string' ? encoder.encode(secret) : secret;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('createDigestKey(): the secret must be a string or a Uint8Array');
  }
  if (bytes.byteLength < MINIMUM_SECRET_BYTES) {
    throw new TypeError(
      `createDigestKey(): the secret must be at least ${MINIMUM_SECRET_BYTES} bytes (got ${bytes.byteLength})`,
    );
  }
  const material = new Uint8Array(bytes);
  const key = await crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const fingerprint = await crypto.subtle.sign('HMAC', key, encoder.encode('palisade.digest-key-id.v1'));
  return Object.freeze({ id: toHex(fingerprint).slice(0, 16), cryptoKey: key });
}

/**
 * The HMAC-SHA-256 of `value` under `key`, as lowercase hex.
 *
 * @example
 * ```ts
 * const digest = await keyedDigest(key, canonicalJson({ pin: '1234' }));
 * ```
 * @see createDigestKey
 */
export async function keyedDigest(key: DigestKey, value: string | Uint8Array): Promise<string> {
  if (!isDigestKey(key)) throw new TypeError('keyedDigest(): key must come from createDigestKey()');
  const data = typeof value === 'string' ? encoder.encode(value) : new Uint8Array(value);
  return toHex(await crypto.subtle.sign('HMAC', key.cryptoKey, data));
}

/**
 * True when `value` is a key made by {@link createDigestKey} (from any copy of Palisade).
 *
 * @example
 * ```ts
 * if (!isDigestKey(options.digestKey)) throw new TypeError('digestKey must come from createDigestKey()');
 * ```
 */
export function isDigestKey(value: unknown): value is DigestKey {
  if (typeof value !== 'object' || value === null) return false;
  const { id, cryptoKey } = value as Partial<DigestKey>;
  return (
    typeof id === 'string' &&
    typeof cryptoKey === 'object' &&
    cryptoKey !== null &&
    cryptoKey.type === 'secret' &&
    cryptoKey.algorithm.name === 'HMAC' &&
    cryptoKey.usages.includes('sign')
  );
}
