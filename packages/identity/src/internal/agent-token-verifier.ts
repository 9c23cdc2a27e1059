import {
  CredentialError,
  type Principal,
  TokenExpiredError,
  TokenRevokedError,
  type VerifyOptions,
} from '@palisade/core';
import type { AgentRecord } from '../agent-registry.js';
import { AGENT_TOKEN_TYPE } from '../agent-token.js';
import type { AgentVerifierOptions } from '../agent-verifier.js';
import { TokenReplayedError } from '../errors.js';
import { type AgentTokenFacts, readAgentClaims } from './agent-claims.js';
import {
  type CheckedHeader,
  type ParsedJws,
  parseCompactJws,
  parseJsonObject,
  verifyParsedJws,
} from './compact-jws.js';
import type { VerificationKey } from './jwk.js';
import { keyLookup } from './key-source.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

/** The verifier with access to what it learnt about each token, for delegation. */
export interface AgentTokenVerifier {
  verify(token: string, options?: Partial<VerifyOptions>): Promise<Principal>;
  /** The facts behind a principal this verifier returned. */
  factsOf(principal: Principal): AgentTokenFacts | undefined;
  readonly cacheSize: number;
  clearCache(): void;
}

interface CacheEntry {
  readonly facts: AgentTokenFacts;
  /** The principal bounded by the registry records it was computed from (recomputed if one changes). */
  bounded?: { readonly records: readonly AgentRecord[]; readonly principal: Principal } | undefined;
}

function count(
  where: string,
  value: number | undefined,
  fallback: number,
  name: string,
  minimum = 0,
): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < minimum) {
    throw new TypeError(`${where}: ${name} must be an integer >= ${minimum}`);
  }
  return result;
}

/**
 * Builds an agent token verifier; `where` names the caller in option errors. `trackFacts` keeps what
 * was learnt about each returned principal (for delegation); plain verifiers do without the cost.
 */
export function createAgentTokenVerifier(
  options: AgentVerifierOptions,
  where: string,
  trackFacts = false,
): AgentTokenVerifier {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`);
  if (typeof options.issuer !== 'string' || options.issuer === '')
    throw new TypeError(`${where}: issuer is required`);
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((entry) => typeof entry !== 'string' || entry === '')
  ) {
    throw new TypeError(`${where}: audience must be a non-empty string or array of strings`);
  }
  const lookup = keyLookup(options.keys, where);
  const algorithms = new Set<string>(options.algorithms ?? ['EdDSA', 'ES256']);
  if (algorithms.size === 0 || [...algorithms].some((alg) => alg !== 'EdDSA' && alg !== 'ES256')) {
    throw new TypeError(`${where}: algorithms must be a non-empty subset of EdDSA, ES256`);
  }
  const tolerance = count(where, options.clockToleranceSeconds, 5, 'clockToleranceSeconds');
  const rules = {
    issuer: options.issuer,
    maxTtlSeconds: count(where, options.maxTtlSeconds, 3600, 'maxTtlSeconds', 1),
    maxDelegationDepth: count(where, options.maxDelegationDepth, 3, 'maxDelegationDepth'),
    trustDomain: options.trustDomain,
  };
  const maxLength = count(where, options.maxTokenLength, 8192, 'maxTokenLength', 64);
  const revocations = options.revocations;
  if (revocations !== undefined && typeof revocations.check !== 'function') {
    throw new TypeError(`${where}: revocations must be a RevocationStore`);
  }
  const registry = options.registry;
  if (registry !== undefined && typeof registry.get !== 'function')
    throw new TypeError(`${where}: registry must be an AgentRegistry`);
  const replay = options.replay;
  if (replay !== undefined && typeof replay.consume !== 'function')
    throw new TypeError(`${where}: replay must be a ReplayCache`);
  const byPrincipal = new WeakMap<Principal, AgentTokenFacts>();
  const headerCache = new Map<string, CheckedHeader>();
  const cache = createVerifiedTokenCache<CacheEntry>(
    count(where, options.cacheMaxEntries, 10_000, 'cacheMaxEntries'),
  );

  /** Structural and header checks of a token not seen before. */
  function parseAgentToken(token: string): ParsedJws & { kid: string } {
    const parsed = parseCompactJws(token, { maxLength, algorithms, headerCache });
    if (parsed.header.typ !== AGENT_TOKEN_TYPE) {
      throw new CredentialError(
        `The token type ${JSON.stringify(parsed.header.typ)} is not ${AGENT_TOKEN_TYPE}`,
      );
    }
    if (parsed.kid === undefined) throw new CredentialError('The token names no key ("kid")');
    return parsed as ParsedJws & { kid: string };
  }

  /** Signature and claim checks; the result is cached until the token's `exp`. */
  function verifyAgentToken(
    token: string,
    parsed: ParsedJws & { kid: string },
    key: VerificationKey | undefined,
    nowSeconds: number,
  ): CacheEntry {
    if (!key)
      throw new CredentialError(`The token is signed with an unknown key ${JSON.stringify(parsed.kid)}`);
    verifyParsedJws(parsed, key);
    const claims = parseJsonObject(parsed.payload, 'The token claim set');
    const entry = { facts: readAgentClaims(claims, parsed.kid, rules) };
    if (trackFacts) byPrincipal.set(entry.facts.principal, entry.facts);
    cache.set(token, entry, entry.facts.expiresAt + tolerance, nowSeconds);
    return entry;
  }

  async function verify(token: string, verifyOptions?: Partial<VerifyOptions>): Promise<Principal> {
    const nowMs = verifyOptions?.now ?? Date.now();
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
      throw new TypeError('verify(): now must be epoch milliseconds');
    const nowSeconds = nowMs / 1000;
    if (typeof token !== 'string') throw new CredentialError('The credential is not a string');
    let entry = cache.get(token, nowSeconds);
    if (entry === undefined) {
      const parsed = parseAgentToken(token);
      const found = lookup(parsed.kid);
      // A static key set answers synchronously: no extra turn of the event loop for it.
      entry = verifyAgentToken(token, parsed, found instanceof Promise ? await found : found, nowSeconds);
    }
    const facts = entry.facts;

    if (nowSeconds >= facts.expiresAt + tolerance) throw new TokenExpiredError('The token has expired');
    if (nowSeconds + tolerance < facts.notBefore)
      throw new TokenExpiredError('The token is not valid yet ("nbf")');
    if (nowSeconds + tolerance < facts.issuedAt)
      throw new CredentialError('The token was issued in the future ("iat")');
    // A call may narrow the audience to one of this service's own, never widen it: an audience
    // named by the caller still has to be one this verifier was configured to answer to.
    const wanted = verifyOptions?.audience;
    if (
      wanted !== undefined
        ? !audiences.includes(wanted) || !facts.audiences.includes(wanted)
        : !facts.audiences.some((aud) => audiences.includes(aud))
    ) {
      throw new CredentialError(
        `The token is not meant for ${JSON.stringify(wanted ?? audiences.join(' '))}`,
      );
    }
    let principal = facts.principal;
    if (registry) {
      const records: AgentRecord[] = [];
      for (const agent of facts.agents) {
        const record = registry.get(agent);
        if (record?.status !== 'active') {
          throw new TokenRevokedError(`The agent ${agent} is ${record ? record.status : 'not registered'}`);
        }
        records.push(record);
      }
      principal = boundedByRegistry(entry, records);
    }
    if (revocations) {
      const revoked = await revocations.check(facts.query);
      if (revoked) {
        throw new TokenRevokedError(
          `The token is revoked (${revoked.kind} ${revoked.value}${revoked.reason ? `: ${revoked.reason}` : ''})`,
        );
      }
    }
    if (replay && !(await replay.consume(facts.principal.tokenId!, facts.expiresAt))) {
      throw new TokenReplayedError('The one-time token has already been used');
    }
    return principal;
  }

  /**
   * The principal whose `allowedTools` are the token's scopes that every agent of the chain is
   * registered to call. Computed once per token and registry state, not per call.
   */
  function boundedByRegistry(entry: CacheEntry, records: readonly AgentRecord[]): Principal {
    const cached = entry.bounded;
    if (
      cached !== undefined &&
      cached.records.length === records.length &&
      cached.records.every((record, index) => record === records[index])
    ) {
      return cached.principal;
    }
    const facts = entry.facts;
    const allowedTools = Object.freeze(
      facts.principal.scopes.filter((scope) => records.every((record) => record.tools.includes(scope))),
    );
    const principal: Principal = Object.freeze({ ...facts.principal, allowedTools });
    if (trackFacts) byPrincipal.set(principal, facts);
    entry.bounded = { records, principal };
    return principal;
  }

  return {
    verify,
    factsOf: (principal) => byPrincipal.get(principal),
    get cacheSize() {
      return cache.size;
    },
    clearCache: () => cache.clear(),
  };
}
