import { isUtf8 } from 'node:buffer';
import { CredentialError } from '@palisade/core';
import { isJwsAlgorithm, type JwsAlgorithm, verifySignature } from './algorithms.js';
import { decodeBase64url, isCanonicalBase64url } from './base64url.js';
import type { VerificationKey } from './jwk.js';

/** A header that passed the checks of `parseCompactJws`. */
export interface CheckedHeader {
  readonly header: Readonly<Record<string, unknown>>;
  readonly alg: JwsAlgorithm;
  readonly kid: string | undefined;
}

/** A structurally valid compact JWS whose signature has not been checked yet. */
export interface ParsedJws extends CheckedHeader {
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes the signature covers. */
  readonly signingInput: Buffer;
  readonly payload: Buffer;
  readonly signature: Buffer;
}

/** Options for `parseCompactJws`. */
export interface ParseOptions {
  /** Largest token accepted, in characters. */
  readonly maxLength: number;
  /** Algorithms accepted at all; a key may narrow this further but never widen it. */
  readonly algorithms: ReadonlySet<string>;
  /**
   * Headers already checked, by their base64url text. Tokens signed with one key share one header,
   * so its decoding and checks run once. Bounded here to a few dozen entries.
   */
  readonly headerCache?: Map<string, CheckedHeader> | undefined;
}

/** Header parameters that carry or point at a key. Trusting any of them lets the sender pick the key. */
const KEY_CARRYING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

const HEADER_CACHE_LIMIT = 64;

function reject(message: string): never {
  throw new CredentialError(message);
}

/** Parses JSON that must be an object (a header or a claim set); anything else is refused. */
export function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    if (!isUtf8(bytes)) throw new TypeError('not UTF-8');
    // A byte order mark stays in the text and makes JSON.parse fail: such input is refused.
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return reject(`${what} is not valid UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    reject(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkHeader(headerSegment: string, algorithms: ReadonlySet<string>): CheckedHeader {
  const header = parseJsonObject(Buffer.from(headerSegment, 'base64url'), 'The token header');
  const alg = header.alg;
  if (typeof alg !== 'string') reject('The token header has no "alg"');
  if (alg.toLowerCase() === 'none') reject('The token is unsigned ("alg": "none")');
  if (!isJwsAlgorithm(alg) || !algorithms.has(alg))
    reject(`The algorithm ${JSON.stringify(alg)} is not allowed`);
  if ('crit' in header) reject('The token header names critical extensions ("crit") that are not understood');
  if ('b64' in header) reject('Unencoded payloads ("b64") are not accepted');
  for (const name of KEY_CARRYING_HEADERS) {
    if (name in header) reject(`The token header carries "${name}"; keys are never taken from a token`);
  }
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) {
    reject('The token "kid" is malformed');
  }
  return Object.freeze({ header: Object.freeze(header), alg, kid: kid as string | undefined });
}

/**
 * Parses a compact JWS (RFC 7515 §7.1) strictly: three segments of canonical base64url, a JSON object
 * header with an allowed `alg`, no `crit` (no extension is understood), no unencoded payload, and no
 * key-carrying header (`jku`, `x5u`, `jwk`, `x5c`), which is refused rather than ignored.
 *
 * @throws CredentialError naming the defect.
 */
export function parseCompactJws(token: unknown, options: ParseOptions): ParsedJws {
  if (typeof token !== 'string' || token.length === 0) reject('The token is empty or not a string');
  if (token.length > options.maxLength) reject(`The token is longer than ${options.maxLength} characters`);
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) !== -1) {
    reject('The token is not a compact JWS of three segments');
  }
  const headerSegment = token.slice(0, first);
  const payloadSegment = token.slice(first + 1, second);
  const signatureSegment = token.slice(second + 1);
  if (signatureSegment.length === 0) reject('The token has no signature');
  if (!isCanonicalBase64url(headerSegment) || !isCanonicalBase64url(payloadSegment)) {
    reject('The token is not canonical base64url');
  }
  const signature = decodeBase64url(signatureSegment);
  if (!signature) reject('The token signature is not canonical base64url');

  const cache = options.headerCache;
  let checked = cache?.get(headerSegment);
  if (checked === undefined) {
    checked = checkHeader(headerSegment, options.algorithms);
    if (cache) {
      if (cache.size >= HEADER_CACHE_LIMIT) cache.clear();
      cache.set(headerSegment, checked);
    }
  }
  return {
    header: checked.header,
    alg: checked.alg,
    kid: checked.kid,
    signingInput: Buffer.from(token.slice(0, second), 'ascii'),
    payload: Buffer.from(payloadSegment, 'base64url'),
    signature,
  };
}

/**
 * Checks the signature of a parsed JWS with `key`. The key's pinned algorithm must be the header's:
 * a key never verifies under an algorithm it was not published for.
 *
 * @throws CredentialError when the key does not fit or the signature is wrong.
 */
export function verifyParsedJws(parsed: ParsedJws, key: VerificationKey): void {
  if (key.alg !== parsed.alg) reject(`The key ${JSON.stringify(key.kid ?? '')} does not allow ${parsed.alg}`);
  if (parsed.kid !== undefined && key.kid !== undefined && parsed.kid !== key.kid) {
    reject('The token "kid" does not name the key');
  }
  if (!verifySignature(parsed.alg, key.key, parsed.signingInput, parsed.signature)) {
    reject('The token signature is invalid');
  }
}
