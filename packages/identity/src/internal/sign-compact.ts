import { sign } from 'node:crypto';
import type { SigningKey } from '../signing-key.js';
import { encodeBase64url } from './base64url.js';

/** Signs a JSON header and claim set into a compact JWS with `key`. */
export function signCompact(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: SigningKey,
): string {
  const input = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(claims))}`;
  const data = Buffer.from(input, 'ascii');
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, data, key.privateKey)
      : sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${encodeBase64url(signature)}`;
}
