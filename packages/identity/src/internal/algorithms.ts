import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

/** JWS algorithms the verifier knows (RFC 7518, RFC 8037, RFC 9864). `none` is not one of them. */
export type JwsAlgorithm =
  | 'EdDSA'
  | 'Ed25519'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/** How an algorithm signs and which keys it may use. */
export interface AlgorithmSpec {
  readonly kty: 'OKP' | 'EC' | 'RSA' | 'oct';
  readonly crv?: string;
  /** Digest name for `node:crypto`; `null` for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Exact signature length in bytes, where the algorithm fixes it. */
  readonly signatureLength?: number;
  readonly padding?: number;
  /** Smallest acceptable key: RSA modulus bits or HMAC secret bytes. */
  readonly minimumKeySize?: number;
}

const PSS = constants.RSA_PKCS1_PSS_PADDING;
const PKCS1 = constants.RSA_PKCS1_PADDING;

export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze({
  EdDSA: { kty: 'OKP', crv: 'Ed25519', hash: null, signatureLength: 64 },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', hash: null, signatureLength: 64 },
  ES256: { kty: 'EC', crv: 'P-256', hash: 'sha256', signatureLength: 64 },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'sha384', signatureLength: 96 },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'sha512', signatureLength: 132 },
  RS256: { kty: 'RSA', hash: 'sha256', padding: PKCS1, minimumKeySize: 2048 },
  RS384: { kty: 'RSA', hash: 'sha384', padding: PKCS1, minimumKeySize: 2048 },
  RS512: { kty: 'RSA', hash: 'sha512', padding: PKCS1, minimumKeySize: 2048 },
  PS256: { kty: 'RSA', hash: 'sha256', padding: PSS, minimumKeySize: 2048 },
  PS384: { kty: 'RSA', hash: 'sha384', padding: PSS, minimumKeySize: 2048 },
  PS512: { kty: 'RSA', hash: 'sha512', padding: PSS, minimumKeySize: 2048 },
  HS256: { kty: 'oct', hash: 'sha256', minimumKeySize: 32 },
  HS384: { kty: 'oct', hash: 'sha384', minimumKeySize: 48 },
  HS512: { kty: 'oct', hash: 'sha512', minimumKeySize: 64 },
});

/** True when `name` is an algorithm this package implements. */
export function isJwsAlgorithm(name: unknown): name is JwsAlgorithm {
  return typeof name === 'string' && Object.hasOwn(ALGORITHMS, name);
}

/**
 * Checks `signature` over `data` with `key` under `algorithm`. Never throws: malformed signatures
 * and keys of the wrong type are simply not valid.
 */
export function verifySignature(
  algorithm: JwsAlgorithm,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  const spec = ALGORITHMS[algorithm];
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    switch (spec.kty) {
      case 'OKP':
        return verify(null, data, key, signature);
      case 'EC':
        return verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'RSA': {
        const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
        if (signature.length !== Math.ceil(bits / 8)) return false;
        return verify(
          spec.hash,
          data,
          spec.padding === PSS
            ? { key, padding: PSS, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : { key, padding: PKCS1 },
          signature,
        );
      }
      case 'oct': {
        const expected = createHmac(spec.hash!, key).update(data).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
    }
  } catch {
    return false;
  }
}
