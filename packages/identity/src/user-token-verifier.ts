import { CredentialError, TokenExpiredError, type UserIdentity } from '@palisade/core';
import { AGENT_TOKEN_TYPE } from './agent-token.js';
import type { JwsAlgorithm } from './internal/algorithms.js';
import { parseCompactJws, parseJsonObject, verifyParsedJws } from './internal/compact-jws.js';
import { keyLookup } from './internal/key-source.js';
import type { RemoteJwks } from './remote-jwks.js';
import type { JsonWebKeySet } from './signing-key.js';

/** Asymmetric algorithms accepted for user tokens from an identity provider. */
export type UserTokenAlgorithm = Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>;

/** Options for `createUserTokenVerifier`. */
export interface UserTokenVerifierOptions {
  /** The provider's issuer identifier (exact `iss`). */
  issuer: string;
  /** The client id or API identifier the tokens must name in `aud`. */
  audience: string;
  /** The provider's keys: usually `createRemoteJwks({ url: jwks_uri })`. */
  keys: RemoteJwks | JsonWebKeySet;
  /** Accepted algorithms; each key is further pinned to its own `alg`. Default RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly UserTokenAlgorithm[] | undefined;
  /**
   * Accepted `typ` header values; `undefined` in the list accepts tokens without `typ`. Default:
   * absent, `JWT`, `at+jwt`, `application/at+jwt`. The agent token type is always refused.
   */
  types?: readonly (string | undefined)[] | undefined;
  /** Claim holding the user's roles (an array of strings). Default `roles`. */
  rolesClaim?: string | undefined;
  /** Claim holding the user's tenant. Default `tenant`. */
  tenantClaim?: string | undefined;
  /** Seconds of clock skew tolerated. Default 5. */
  clockToleranceSeconds?: number | undefined;
  /** Longest accepted lifetime (`exp - iat`) in seconds. Default 86400. */
  maxTtlSeconds?: number | undefined;
}

/** A user established by a provider's token. */
export interface VerifiedUser extends UserIdentity {
  /** Every claim of the token. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** Verifies user tokens (ID or access tokens) from an OpenID Connect provider. */
export interface UserTokenVerifier {
  /**
   * Verifies `token` at `options.now` (epoch ms, default now).
   *
   * @throws CredentialError (including `KeySetUnavailableError` when the provider's keys cannot be
   *   fetched) or TokenExpiredError.
   */
  verify(token: string, options?: { now?: number | undefined }): Promise<VerifiedUser>;
}

const DEFAULT_TYPES: readonly (string | undefined)[] = [undefined, 'JWT', 'at+jwt', 'application/at+jwt'];

/**
 * Creates a verifier for user tokens issued by an external OpenID Connect provider, so an agent can
 * be issued a token on behalf of the user they name.
 *
 * @example
 * ```ts
 * const users = createUserTokenVerifier({
 *   issuer: 'https://login.example.com',
 *   audience: 'support-app',
 *   keys: createRemoteJwks({ url: 'https://login.example.com/.well-known/jwks.json' }),
 * });
 * const user = await users.verify(idToken);
 * const agentToken = await issuer.issue({ agent: 'support-bot', user });
 * ```
 */
export function createUserTokenVerifier(options: UserTokenVerifierOptions): UserTokenVerifier {
  const where = 'createUserTokenVerifier()';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`);
  if (typeof options.issuer !== 'string' || options.issuer === '')
    throw new TypeError(`${where}: issuer is required`);
  if (typeof options.audience !== 'string' || options.audience === '')
    throw new TypeError(`${where}: audience is required`);
  const lookup = keyLookup(options.keys, where);
  const algorithms = new Set<string>(options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA']);
  if (algorithms.size === 0 || [...algorithms].some((alg) => alg.startsWith('HS') || alg === 'none')) {
    throw new TypeError(`${where}: algorithms must be a non-empty list of asymmetric JWS algorithms`);
  }
  const types = options.types ?? DEFAULT_TYPES;
  if (types.includes(AGENT_TOKEN_TYPE))
    throw new TypeError(`${where}: types must not include ${AGENT_TOKEN_TYPE}`);
  const rolesClaim = options.rolesClaim ?? 'roles';
  const tenantClaim = options.tenantClaim ?? 'tenant';
  const tolerance = options.clockToleranceSeconds ?? 5;
  const maxTtl = options.maxTtlSeconds ?? 86_400;
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new TypeError(`${where}: clockToleranceSeconds must be >= 0`);
  if (!Number.isFinite(maxTtl) || maxTtl <= 0) throw new TypeError(`${where}: maxTtlSeconds must be > 0`);

  return {
    async verify(token, verifyOptions) {
      const nowSeconds = (verifyOptions?.now ?? Date.now()) / 1000;
      const parsed = parseCompactJws(token, { maxLength: 16_384, algorithms });
      const typ = parsed.header.typ;
      if (typ !== undefined && typeof typ !== 'string')
        throw new CredentialError('The token "typ" is malformed');
      if (!types.includes(typ))
        throw new CredentialError(`The token type ${JSON.stringify(typ)} is not a user token type`);
      const key = await lookup(parsed.kid);
      if (!key)
        throw new CredentialError(
          `The token is signed with an unknown key ${JSON.stringify(parsed.kid ?? null)}`,
        );
      verifyParsedJws(parsed, key);
      const claims = parseJsonObject(parsed.payload, 'The token claim set');
      if (claims.iss !== options.issuer) throw new CredentialError('The token was issued by another issuer');
      const aud = claims.aud;
      if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) {
        throw new CredentialError(`The token is not meant for ${options.audience}`);
      }
      const { sub, exp, iat, nbf } = claims;
      if (typeof sub !== 'string' || sub === '' || sub.startsWith('spiffe://')) {
        throw new CredentialError('The token names no user ("sub")');
      }
      if (typeof exp !== 'number' || !Number.isFinite(exp))
        throw new CredentialError('The token has no "exp"');
      if (nowSeconds >= exp + tolerance) throw new TokenExpiredError('The user token has expired');
      if (typeof nbf === 'number' && nowSeconds + tolerance < nbf)
        throw new TokenExpiredError('The user token is not valid yet');
      if (iat !== undefined) {
        if (typeof iat !== 'number' || nowSeconds + tolerance < iat)
          throw new CredentialError('The token "iat" is invalid');
        if (exp - iat > maxTtl) throw new CredentialError(`The token lives longer than ${maxTtl}s`);
      }
      const roles = claims[rolesClaim] ?? [];
      if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
        throw new CredentialError(`The token claim "${rolesClaim}" must be an array of strings`);
      }
      const tenant = claims[tenantClaim];
      if (tenant !== undefined && typeof tenant !== 'string')
        throw new CredentialError(`The token claim "${tenantClaim}" must be a string`);
      return Object.freeze({
        id: sub,
        roles: Object.freeze([...(roles as string[])]),
        tenant,
        claims: Object.freeze({ ...claims }),
        expiresAt: exp,
      });
    },
  };
}
