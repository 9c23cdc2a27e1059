import type { RemoteJwks } from '../remote-jwks.js';
import type { JsonWebKeySet } from '../signing-key.js';
import { importVerificationKey, importVerificationKeySet, type VerificationKey } from './jwk.js';

/** Where a verifier finds the key for a token's `kid`. */
export type KeySource =
  | JsonWebKeySet
  | { jwks(): JsonWebKeySet }
  | (() => JsonWebKeySet | Promise<JsonWebKeySet>)
  | RemoteJwks;

/** Looks keys up by `kid`; resolves `undefined` for an unknown one. */
export type KeyLookup = (
  kid: string | undefined,
) => VerificationKey | undefined | Promise<VerificationKey | undefined>;

function isRemote(source: unknown): source is RemoteJwks {
  return typeof (source as RemoteJwks).getKey === 'function';
}

/**
 * Turns any key source into a lookup. A static set is imported (and validated) once, here; dynamic
 * sets are read on each cold verification and their keys imported once per JWK object.
 *
 * @throws TypeError when a static set is unusable or the source is of no known shape.
 */
export function keyLookup(source: unknown, where: string): KeyLookup {
  if (typeof source === 'object' && source !== null) {
    if (isRemote(source)) return (kid) => source.getKey(kid);
    if (Array.isArray((source as JsonWebKeySet).keys)) {
      let keys: ReadonlyMap<string, VerificationKey>;
      try {
        keys = importVerificationKeySet(source);
      } catch (error) {
        throw new TypeError(`${where}: keys: ${error instanceof Error ? error.message : String(error)}`);
      }
      return (kid) => (kid === undefined ? undefined : keys.get(kid));
    }
    if (typeof (source as { jwks?: unknown }).jwks === 'function') {
      const holder = source as { jwks(): JsonWebKeySet };
      return dynamic(() => holder.jwks());
    }
  }
  if (typeof source === 'function') return dynamic(source as () => JsonWebKeySet | Promise<JsonWebKeySet>);
  throw new TypeError(
    `${where}: keys must be a JWKS, a key ring or issuer, a function returning a JWKS, or a remote JWKS`,
  );
}

function dynamic(read: () => JsonWebKeySet | Promise<JsonWebKeySet>): KeyLookup {
  const imported = new WeakMap<object, VerificationKey>();
  return async (kid) => {
    if (kid === undefined) return undefined;
    const set = await read();
    if (typeof set !== 'object' || set === null || !Array.isArray(set.keys))
      throw new TypeError('The key source returned no JWKS');
    const matches = set.keys.filter((jwk) => jwk.kid === kid);
    // Two published keys with one kid make the lookup ambiguous: trust neither.
    if (matches.length !== 1) return undefined;
    const jwk = matches[0]!;
    let key = imported.get(jwk);
    if (!key) {
      key = importVerificationKey(jwk);
      imported.set(jwk, key);
    }
    return key;
  };
}
