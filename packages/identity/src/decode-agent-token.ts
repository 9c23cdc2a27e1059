import { CredentialError } from '@palisade/core';
import { decodeBase64url } from './internal/base64url.js';
import { parseJsonObject } from './internal/compact-jws.js';

/** The two JSON parts of a compact JWS, not verified. */
export interface DecodedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Decodes a token's header and claims **without verifying anything**, for display and debugging
 * (`palisade token inspect`). Never base an access decision on the result: use a verifier.
 *
 * @throws CredentialError when the token is not three base64url segments of JSON objects.
 * @example
 * ```ts
 * const { header, claims } = decodeAgentToken(token);
 * console.log(header.kid, claims.exp);
 * ```
 */
export function decodeAgentToken(token: string): DecodedToken {
  if (typeof token !== 'string') throw new CredentialError('The token is not a string');
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new CredentialError('The token is not a compact JWS of three segments');
  const header = decodeBase64url(parts[0]!);
  const claims = decodeBase64url(parts[1]!);
  if (!header || !claims) throw new CredentialError('The token is not canonical base64url');
  return {
    header: parseJsonObject(header, 'The token header'),
    claims: parseJsonObject(claims, 'The token claim set'),
  };
}
