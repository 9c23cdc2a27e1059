import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ALGORITHMS, isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { decodeBase64url } from './base64url.js';

/** A public (or, for HMAC, shared) key pinned to the one algorithm it may verify. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  readonly key: KeyObject;
}

/** JWK members that only a private key carries. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/** Options for importing keys. */
export interface ImportKeyOptions {
  /** Accept `oct` (HMAC) keys. Agent and user token verification never does. */
  readonly allowSymmetric?: boolean | undefined;
}

function fail(message: string): never {
  throw new TypeError(`Unusable JWK: ${message}`);
}

/**
 * The algorithm a key without `alg` may verify. Elliptic-curve keys name their curve, which fixes
 * the algorithm; RSA keys fall back to RS256 (the OpenID Connect default); secrets must say.
 */
function impliedAlgorithm(jwk: Record<string, unknown>): JwsAlgorithm {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') return 'ES512';
  if (jwk.kty === 'RSA') return 'RS256';
  return fail(`a ${String(jwk.kty)} key must name its "alg"`);
}

/**
 * Imports one JWK as a verification key, refusing anything a verifier should not trust: private
 * members, `use` other than `sig`, `key_ops` without `verify`, an `alg` that does not fit the key
 * type or curve, weak RSA moduli or short secrets.
 *
 * @throws TypeError naming the problem.
 */
export function importVerificationKey(input: unknown, options: ImportKeyOptions = {}): VerificationKey {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('not an object');
  const jwk = input as Record<string, unknown>;
  if ('keys' in jwk) fail('a key set was given where one key is expected');
  const kid = jwk.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) {
    fail('"kid" must be a non-empty string of at most 256 characters');
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') fail(`"use" is ${JSON.stringify(jwk.use)}, not "sig"`);
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes('verify'))
      fail('"key_ops" does not allow "verify"');
  }
  const alg = jwk.alg === undefined ? impliedAlgorithm(jwk) : jwk.alg;
  if (!isJwsAlgorithm(alg)) fail(`"alg" ${JSON.stringify(alg)} is not a supported JWS algorithm`);
  const spec = ALGORITHMS[alg];
  if (jwk.kty !== spec.kty) fail(`"alg" ${alg} needs kty ${spec.kty}, got ${JSON.stringify(jwk.kty)}`);
  if (spec.crv !== undefined && jwk.crv !== spec.crv) fail(`"alg" ${alg} needs crv ${spec.crv}`);

  if (spec.kty === 'oct') {
    if (options.allowSymmetric !== true) fail('symmetric keys are not accepted here');
    const secret = typeof jwk.k === 'string' ? decodeBase64url(jwk.k) : undefined;
    if (!secret || secret.length < (spec.minimumKeySize ?? 32))
      fail(`"k" must be at least ${spec.minimumKeySize} bytes`);
    return Object.freeze({ kid: kid as string | undefined, alg, key: createSecretKey(secret) });
  }

  for (const member of PRIVATE_MEMBERS) {
    if (member in jwk) fail(`it holds the private member "${member}"; publish public keys only`);
  }
  let key: KeyObject;
  try {
    const publicJwk: Record<string, unknown> = { kty: jwk.kty };
    for (const member of ['crv', 'x', 'y', 'n', 'e'] as const)
      if (member in jwk) publicJwk[member] = jwk[member];
    key = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return fail(`the key material is invalid (${error instanceof Error ? error.message : String(error)})`);
  }
  if (spec.kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < (spec.minimumKeySize ?? 2048))
      fail(`RSA modulus of ${bits} bits is below ${spec.minimumKeySize}`);
    const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
    if (exponent < 3n) fail('RSA public exponent is too small');
  }
  return Object.freeze({ kid: kid as string | undefined, alg, key });
}

/**
 * Imports a JWK Set (`{ keys: [...] }`) for lookup by `kid`. The whole set is refused when any key is
 * unusable or two keys share a `kid`: a set that is partly wrong is not trusted at all.
 */
export function importVerificationKeySet(
  input: unknown,
  options: ImportKeyOptions = {},
): ReadonlyMap<string, VerificationKey> {
  const keys = (input as { keys?: unknown } | null)?.keys;
  if (typeof input !== 'object' || input === null || !Array.isArray(keys)) {
    throw new TypeError('Unusable JWK Set: expected an object with a "keys" array');
  }
  const byKid = new Map<string, VerificationKey>();
  for (const entry of keys) {
    const key = importVerificationKey(entry, options);
    if (key.kid === undefined) throw new TypeError('Unusable JWK Set: every key must have a "kid"');
    if (byKid.has(key.kid))
      throw new TypeError(`Unusable JWK Set: "kid" ${JSON.stringify(key.kid)} appears twice`);
    byKid.set(key.kid, key);
  }
  return byKid;
}
