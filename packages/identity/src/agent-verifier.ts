import type {
  CredentialVerifier,
  Principal,
  ReplayCache,
  RevocationStore,
  VerifyOptions,
} from '@palisade/core';
import type { AgentRegistry } from './agent-registry.js';
import { createAgentTokenVerifier } from './internal/agent-token-verifier.js';
import type { KeySource } from './internal/key-source.js';
import type { SigningAlgorithm } from './signing-key.js';

/** Options for `createAgentVerifier`. */
export interface AgentVerifierOptions {
  /** The only accepted `iss`. */
  issuer: string;
  /**
   * Audience(s) this service answers to. A call that names its audience (`VerifyOptions.audience`)
   * requires exactly that one instead, and it must be one of these.
   */
  audience: string | readonly string[];
  /**
   * The issuer's public keys: a JWKS, a key ring or issuer (read on each cold verification, so
   * rotation is seen at once), a function returning a JWKS, or a remote JWKS.
   */
  keys: KeySource;
  /** Checked on every call, cached or not. */
  revocations?: RevocationStore | undefined;
  /** When given, every agent in the chain must be registered and active at each call. */
  registry?: AgentRegistry | undefined;
  /** When set, every agent in the chain must belong to this trust domain. */
  trustDomain?: string | undefined;
  /** Accepted signing algorithms; each key is further pinned to its own `alg`. Default both. */
  algorithms?: readonly SigningAlgorithm[] | undefined;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSeconds?: number | undefined;
  /** Longest accepted token lifetime (`exp - iat`), in seconds. Default 3600. */
  maxTtlSeconds?: number | undefined;
  /** Most delegation hops accepted. Default 3. */
  maxDelegationDepth?: number | undefined;
  /**
   * Most verified tokens cached (about 2-3 KB each, held until their `exp`). `0` disables the cache.
   * Default 10000.
   */
  cacheMaxEntries?: number | undefined;
  /** One-time use: each token id is accepted once. */
  replay?: ReplayCache | undefined;
  /** Longest accepted token, in characters. Default 8192. */
  maxTokenLength?: number | undefined;
}

/** Verifies agent tokens; a `CredentialVerifier` for `guard()`. */
export interface AgentVerifier extends CredentialVerifier {
  /**
   * Verifies `token` at `options.now` (epoch ms, default the current time) and returns its principal.
   *
   * @throws CredentialError (malformed, wrong issuer/audience/type, bad signature), TokenExpiredError,
   *   TokenRevokedError, TokenReplayedError.
   */
  verify(token: string, options?: Partial<VerifyOptions>): Promise<Principal>;
  /** Number of tokens in the verified-token cache. */
  readonly cacheSize: number;
  /** Empties the verified-token cache. */
  clearCache(): void;
}

/**
 * Creates the verifier of agent tokens. Every call checks the explicit `typ`, the per-key algorithm,
 * issuer, audience, lifetime and delegation chain, then revocation (and one-time use when asked);
 * only the signature and claim checks of a token are cached, until its `exp`.
 *
 * @example
 * ```ts
 * const verifier = createAgentVerifier({
 *   issuer: 'https://palisade.acme.example',
 *   audience: 'support-api',
 *   keys: issuer.jwks(),
 *   revocations,
 * });
 * const principal = await verifier.verify(token, { now: Date.now() });
 * ```
 */
export function createAgentVerifier(options: AgentVerifierOptions): AgentVerifier {
  const inner = createAgentTokenVerifier(options, 'createAgentVerifier()');
  return {
    verify: inner.verify,
    get cacheSize() {
      return inner.cacheSize;
    },
    clearCache: inner.clearCache,
  };
}
