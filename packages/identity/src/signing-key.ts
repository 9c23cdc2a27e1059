import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint } from 'jose';

const generate = promisify(generateKeyPair);

/** Algorithms agent tokens are signed with: Ed25519 by default, ES256 (P-256) where FIPS curves are required. */
export type SigningAlgorithm = 'EdDSA' | 'ES256';

/** The public half of a signing key as published in a JWKS. */
export type PublicJwk = {
  readonly kty: 'OKP' | 'EC';
  readonly crv: 'Ed25519' | 'P-256';
  readonly x: string;
  readonly y?: string | undefined;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
};

/** A JSON Web Key Set, as served at a `jwks_uri`. */
export interface JsonWebKeySet {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/** An asymmetric key that signs agent tokens. The private half never leaves the process unless exported. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/** Options for `generateSigningKey`. */
export interface GenerateSigningKeyOptions {
  /** Defaults to `EdDSA` (Ed25519). */
  alg?: SigningAlgorithm | undefined;
  /** Defaults to the RFC 7638 thumbprint of the public key. */
  kid?: string | undefined;
}

const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256'];

function assertKid(kid: unknown): asserts kid is string {
  if (typeof kid !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(kid)) {
    throw new TypeError(`kid must be 1-128 characters of [A-Za-z0-9._:-], got ${JSON.stringify(kid)}`);
  }
}

async function fromKeyObjects(
  privateKey: KeyObject,
  alg: SigningAlgorithm,
  kid: string | undefined,
): Promise<SigningKey> {
  const publicKey = createPublicKey(privateKey);
  const exported = publicKey.export({ format: 'jwk' });
  const base =
    alg === 'EdDSA'
      ? { kty: 'OKP' as const, crv: 'Ed25519' as const, x: exported.x! }
      : { kty: 'EC' as const, crv: 'P-256' as const, x: exported.x!, y: exported.y! };
  const keyId = kid ?? (await calculateJwkThumbprint(base, 'sha256'));
  assertKid(keyId);
  return Object.freeze({
    kid: keyId,
    alg,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...base, kid: keyId, alg, use: 'sig' as const }),
  });
}

/**
 * Generates a fresh signing key for agent tokens.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey();                 // Ed25519, kid = JWK thumbprint
 * const fips = await generateSigningKey({ alg: 'ES256', kid: '2026-11' });
 * ```
 */
export async function generateSigningKey(options: GenerateSigningKeyOptions = {}): Promise<SigningKey> {
  const alg = options.alg ?? 'EdDSA';
  if (!SIGNING_ALGORITHMS.includes(alg)) {
    throw new TypeError(
      `generateSigningKey(): alg must be one of ${SIGNING_ALGORITHMS.join(', ')}, got ${String(alg)}`,
    );
  }
  if (options.kid !== undefined) assertKid(options.kid);
  const pair = alg === 'EdDSA' ? await generate('ed25519') : await generate('ec', { namedCurve: 'P-256' });
  return fromKeyObjects(pair.privateKey, alg, options.kid);
}

/**
 * Imports a signing key from its private JWK (as written by `exportSigningKey` or `palisade keys
 * generate`). The JWK must name its `alg` and `kid`.
 *
 * @example
 * ```ts
 * const key = await importSigningKey(JSON.parse(await readFile('agent-signing.jwk.json', 'utf8')));
 * ```
 */
export async function importSigningKey(jwk: unknown): Promise<SigningKey> {
  if (typeof jwk !== 'object' || jwk === null)
    throw new TypeError('importSigningKey(): expected a private JWK object');
  const record = jwk as Record<string, unknown>;
  const alg = record.alg;
  if (alg !== 'EdDSA' && alg !== 'ES256') {
    throw new TypeError(`importSigningKey(): "alg" must be EdDSA or ES256, got ${JSON.stringify(alg)}`);
  }
  const expected = alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519' } : { kty: 'EC', crv: 'P-256' };
  if (record.kty !== expected.kty || record.crv !== expected.crv) {
    throw new TypeError(`importSigningKey(): an ${alg} key must be kty ${expected.kty}, crv ${expected.crv}`);
  }
  if (typeof record.d !== 'string')
    throw new TypeError('importSigningKey(): the JWK has no private part "d"');
  assertKid(record.kid);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: record as JsonWebKey, format: 'jwk' });
  } catch (error) {
    throw new TypeError(
      `importSigningKey(): invalid key material (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return fromKeyObjects(privateKey, alg, record.kid);
}

/**
 * Exports a signing key as a private JWK, for storage in a secret manager. Treat the result as a secret.
 *
 * @example
 * ```ts
 * await writeFile('agent-signing.jwk.json', JSON.stringify(exportSigningKey(key)), { mode: 0o600 });
 * ```
 */
export function exportSigningKey(key: SigningKey): Readonly<Record<string, string>> {
  const exported = key.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return Object.freeze({ ...exported, kid: key.kid, alg: key.alg, use: 'sig' });
}
