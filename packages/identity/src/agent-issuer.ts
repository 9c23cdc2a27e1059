import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Principal, Revocation, RevocationStore } from '@palisade/core';
import { agentId, isTrustDomain, parseAgentId } from './agent-id.js';
import type { AgentRecord, AgentRegistry } from './agent-registry.js';
import { type ActorClaim, AGENT_TOKEN_TYPE } from './agent-token.js';
import { DelegationError, IssuanceError } from './errors.js';
import type { AgentTokenFacts } from './internal/agent-claims.js';
import { createAgentTokenVerifier } from './internal/agent-token-verifier.js';
import { parseCompactJws, parseJsonObject, verifyParsedJws } from './internal/compact-jws.js';
import { importVerificationKey } from './internal/jwk.js';
import { signCompact } from './internal/sign-compact.js';
import { IDENTITY_ATTRIBUTES as ATTR, inSpan } from './internal/spans.js';
import { createKeyRing, isKeyRing, type KeyRing } from './key-ring.js';
import type { JsonWebKeySet, SigningKey } from './signing-key.js';

/** The user an agent acts for. */
export interface IssueUser {
  id: string;
  roles: readonly string[];
  tenant?: string | undefined;
  /**
   * Epoch seconds after which the user's own credential is no longer valid; the agent token never
   * outlives it. A `VerifiedUser` from `createUserTokenVerifier` carries its token's `exp` here, so
   * passing it as `user` caps the agent token at the user token's expiry.
   */
  expiresAt?: number | undefined;
}

/** A request for a token. */
export interface IssueRequest {
  /** The registered agent's name or SPIFFE id. */
  agent: string;
  /** The user the agent acts for; becomes `sub`, with the agent as RFC 8693 actor. */
  user?: IssueUser | undefined;
  /** Defaults to every scope the agent is registered for; more than that is refused. */
  scopes?: readonly string[] | undefined;
  /** The task the token is scoped to (revocable as a whole). */
  task?: string | undefined;
  /** Capped at the issuer's `maxTtlSeconds`. Defaults to `defaultTtlSeconds`. */
  ttlSeconds?: number | undefined;
  /**
   * Epoch seconds the token must not outlive (for instance the expiry of the session or credential
   * it derives from): `exp` is capped at it, and at `user.expiresAt` when given. A limit already
   * reached refuses the token.
   */
  notAfter?: number | undefined;
  /** The running instance (pod, process) of the agent. */
  instance?: string | undefined;
  /** One of the issuer's audiences; by default the token names all of them. */
  audience?: string | undefined;
}

/** A request to hand a sub-agent an attenuated token. */
export interface DelegateRequest {
  /** The registered sub-agent's name or SPIFFE id. */
  agent: string;
  /** Must be a subset of the parent's scopes. Defaults to the parent's scopes the sub-agent is registered for. */
  scopes?: readonly string[] | undefined;
  /** Must not take the expiry past the parent's. Defaults to the shorter of `defaultTtlSeconds` and the parent's. */
  ttlSeconds?: number | undefined;
  /** Narrows a parent without a task to one task; a parent's task cannot be changed. */
  task?: string | undefined;
  instance?: string | undefined;
  /** One of the parent's audiences. */
  audience?: string | undefined;
}

/** What to revoke. */
export type RevokeTarget = (
  | { token: string }
  | { tokenId: string; expiresAt?: number | undefined }
  | { agent: string }
  | { task: string }
  | { keyId: string }
) & { reason?: string | undefined };

/** What an attestor is told about the agent it attests. */
export interface AttestationContext {
  readonly agent: AgentRecord;
  readonly agentId: string;
  readonly instance: string | undefined;
  /** The parent's principal, when the token is a delegation. */
  readonly delegatedFrom: Principal | undefined;
}

/**
 * Supplies environment claims (runtime, image digest, region...) at issuance, from a source the
 * agent cannot forge: the platform's workload identity, the orchestrator, the image registry.
 * Throwing refuses the token.
 */
export type Attestor = (
  context: AttestationContext,
) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;

/** Options for `createAgentIssuer`. */
export interface AgentIssuerOptions {
  /** The `iss` of every token (a URL naming this issuer). */
  issuer: string;
  /** The `aud` of every token: the service(s) the tokens are for. */
  audience: string | readonly string[];
  /** Agent ids are `spiffe://<trustDomain>/agent/<name>`. */
  trustDomain: string;
  /** One key, several (the first signs), or a key ring for rotation with overlap. */
  keys: SigningKey | readonly SigningKey[] | KeyRing;
  registry: AgentRegistry;
  /** Upper bound of every token's lifetime. Default 900 (15 minutes). */
  maxTtlSeconds?: number | undefined;
  /** Lifetime when a request names none. Default 300. */
  defaultTtlSeconds?: number | undefined;
  /** Most delegation hops below the first token. Default 3. */
  maxDelegationDepth?: number | undefined;
  attestor?: Attestor | undefined;
  /** Consulted when delegating (a revoked parent cannot delegate) and written by `revoke()`. */
  revocations?: RevocationStore | undefined;
  /** Issuance, delegation and revocation each produce a span when a tracer is given. */
  tracer?: Tracer | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
  /** Token ids; defaults to random UUIDs. */
  generateId?: (() => string) | undefined;
}

/** Mints agent tokens. */
export interface AgentIssuer {
  readonly issuer: string;
  readonly trustDomain: string;
  readonly keyRing: KeyRing;
  /**
   * Issues a token for a registered, active agent.
   *
   * @throws IssuanceError when the agent is not registered or active, or asks for more than it may.
   */
  issue(request: IssueRequest): Promise<string>;
  /**
   * Hands a sub-agent an attenuated token derived from `parentToken`.
   *
   * @throws DelegationError when the request is wider than the parent or too deep; CredentialError
   *   when the parent does not verify.
   */
  delegate(parentToken: string, request: DelegateRequest): Promise<string>;
  /** Records a revocation in the configured store. */
  revoke(target: RevokeTarget): Promise<Revocation>;
  /** The public keys verifiers should trust now. */
  jwks(): JsonWebKeySet;
}

const MAX_TEXT = 1024;

function wholeSeconds(value: unknown, name: string, where: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new TypeError(`${where}: ${name} must be an integer >= ${minimum}`);
  }
  return value;
}

/** Reads an optional expiry limit in epoch seconds, rounded down so the cap is never exceeded. */
function epochSeconds(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${where}: ${name} must be epoch seconds`);
  }
  return Math.floor(value);
}

function optionalText(value: unknown, name: string, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_TEXT) {
    throw new TypeError(`${where}: ${name} must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

function scopeList(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((scope) => typeof scope !== 'string' || scope === '' || /\s/.test(scope))
  ) {
    throw new TypeError(`${where}: scopes must be an array of non-empty strings without whitespace`);
  }
  return [...new Set(value as string[])];
}

function nestActors(agents: readonly string[]): ActorClaim | undefined {
  let act: ActorClaim | undefined;
  for (const agent of agents) act = act ? { sub: agent, act } : { sub: agent };
  return act;
}

/**
 * Creates an issuer of short-lived agent tokens: EdDSA or ES256 compact JWTs with `typ`
 * `palisade-agent+jwt`, the user as `sub` and the agent as RFC 8693 actor, `exp` capped by
 * `maxTtlSeconds`, and a fresh `jti`.
 *
 * @example
 * ```ts
 * const issuer = createAgentIssuer({
 *   issuer: 'https://palisade.acme.example',
 *   audience: 'support-api',
 *   trustDomain: 'acme.example',
 *   keys: await generateSigningKey(),
 *   registry,
 * });
 * const token = await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['agent'] }, ttlSeconds: 300 });
 * ```
 */
export function createAgentIssuer(options: AgentIssuerOptions): AgentIssuer {
  const where = 'createAgentIssuer()';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`);
  const issuerName = optionalText(options.issuer, 'issuer', where);
  if (issuerName === undefined) throw new TypeError(`${where}: issuer is required`);
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((aud) => typeof aud !== 'string' || aud === '')
  ) {
    throw new TypeError(`${where}: audience must be a non-empty string or array of strings`);
  }
  if (!isTrustDomain(options.trustDomain))
    throw new TypeError(`${where}: trustDomain must be a valid SPIFFE trust domain`);
  const trustDomain = options.trustDomain;
  const registry = options.registry;
  if (typeof registry?.get !== 'function') throw new TypeError(`${where}: registry must be an AgentRegistry`);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError(`${where}: now must be a function`);
  const ring = isKeyRing(options.keys) ? options.keys : createKeyRing({ keys: options.keys, now });
  const maxTtl = wholeSeconds(options.maxTtlSeconds ?? 900, 'maxTtlSeconds', where, 1);
  const defaultTtl = wholeSeconds(
    options.defaultTtlSeconds ?? Math.min(300, maxTtl),
    'defaultTtlSeconds',
    where,
    1,
  );
  if (defaultTtl > maxTtl) throw new TypeError(`${where}: defaultTtlSeconds must not exceed maxTtlSeconds`);
  const maxDepth = wholeSeconds(options.maxDelegationDepth ?? 3, 'maxDelegationDepth', where, 0);
  const attestor = options.attestor;
  if (attestor !== undefined && typeof attestor !== 'function')
    throw new TypeError(`${where}: attestor must be a function`);
  const revocations = options.revocations;
  if (revocations !== undefined && typeof revocations.revoke !== 'function') {
    throw new TypeError(`${where}: revocations must be a RevocationStore`);
  }
  const tracer = options.tracer;
  const generateId = options.generateId ?? randomUUID;

  const parents = createAgentTokenVerifier(
    {
      issuer: issuerName,
      audience: audiences,
      keys: ring,
      revocations,
      registry,
      trustDomain,
      maxTtlSeconds: maxTtl,
      maxDelegationDepth: maxDepth,
      cacheMaxEntries: 0,
      clockToleranceSeconds: 0,
    },
    where,
    true,
  );

  function resolveAgent(
    reference: unknown,
    error: typeof IssuanceError,
  ): { record: AgentRecord; id: string } {
    if (typeof reference !== 'string' || reference === '')
      throw new TypeError('agent must be a name or SPIFFE id');
    const record = registry.get(reference);
    if (!record)
      throw new error(`Agent ${JSON.stringify(reference)} is not registered`, { agent: reference });
    const id = record.id ?? agentId(trustDomain, record.name);
    if (parseAgentId(id)?.trustDomain !== trustDomain) {
      throw new error(`Agent ${id} is outside the trust domain ${trustDomain}`, { agent: id });
    }
    if (record.status !== 'active')
      throw new error(`Agent ${id} is ${record.status}; only active agents get tokens`, { agent: id });
    return { record, id };
  }

  async function attest(
    record: AgentRecord,
    id: string,
    instance: string | undefined,
    delegatedFrom: Principal | undefined,
    error: typeof IssuanceError,
  ): Promise<Record<string, string> | undefined> {
    if (!attestor) {
      if (record.environment)
        throw new error(`Agent ${id} must run in an attested environment; no attestor is configured`, {
          agent: id,
        });
      return undefined;
    }
    let env: unknown;
    try {
      env = await attestor({ agent: record, agentId: id, instance, delegatedFrom });
    } catch (cause) {
      throw new error(`Attestation of ${id} failed`, { agent: id, cause });
    }
    if (
      typeof env !== 'object' ||
      env === null ||
      Array.isArray(env) ||
      Object.values(env).some((value) => typeof value !== 'string')
    ) {
      throw new error(`The attestor returned no environment of strings for ${id}`, { agent: id });
    }
    const claims = { ...(env as Record<string, string>) };
    for (const [name, expected] of Object.entries(record.environment ?? {})) {
      const actual = claims[name];
      const allowed = typeof expected === 'string' ? [expected] : expected;
      if (actual === undefined || !allowed.includes(actual)) {
        throw new error(
          `Agent ${id} runs with ${name}=${JSON.stringify(actual ?? null)}, not where it was approved to run`,
          {
            agent: id,
          },
        );
      }
    }
    return claims;
  }

  function mint(claims: Record<string, unknown>): string {
    const key = ring.active();
    const token = signCompact({ alg: key.alg, kid: key.kid, typ: AGENT_TOKEN_TYPE }, claims, key);
    ring.recordIssued(key.kid, claims.exp as number);
    return token;
  }

  async function issue(request: IssueRequest): Promise<string> {
    const at = 'issue()';
    if (typeof request !== 'object' || request === null)
      throw new TypeError(`${at}: expected a request object`);
    return inSpan(
      tracer,
      'palisade.identity.issue',
      { [ATTR.agentId]: String(request.agent) },
      async (span) => {
        const { record, id } = resolveAgent(request.agent, IssuanceError);
        const user = request.user;
        if (user !== undefined) {
          if (typeof user !== 'object' || user === null)
            throw new TypeError(`${at}: user must be { id, roles, tenant? }`);
          if (optionalText(user.id, 'user.id', at) === undefined)
            throw new TypeError(`${at}: user.id is required`);
          if (user.id.startsWith('spiffe://')) throw new TypeError(`${at}: user.id must not be a SPIFFE id`);
          if (scopeList(user.roles, `${at} user.roles`) === undefined)
            throw new TypeError(`${at}: user.roles is required`);
          optionalText(user.tenant, 'user.tenant', at);
        }
        const limits = [
          epochSeconds(user?.expiresAt, 'user.expiresAt', at),
          epochSeconds(request.notAfter, 'notAfter', at),
        ].filter((limit) => limit !== undefined);
        const requested = scopeList(request.scopes, at);
        const scopes = requested ?? record.scopes;
        const wider = scopes.filter((scope) => !record.scopes.includes(scope));
        if (wider.length > 0) {
          throw new IssuanceError(`Agent ${id} is not registered for scope(s) ${wider.join(', ')}`, {
            agent: id,
          });
        }
        const task = optionalText(request.task, 'task', at);
        const instance = optionalText(request.instance, 'instance', at);
        const audience = optionalText(request.audience, 'audience', at);
        if (audience !== undefined && !audiences.includes(audience)) {
          throw new TypeError(`${at}: audience ${audience} is not one of the issuer's audiences`);
        }
        const ttl = Math.min(wholeSeconds(request.ttlSeconds ?? defaultTtl, 'ttlSeconds', at, 1), maxTtl);
        const env = await attest(record, id, instance, undefined, IssuanceError);
        const iat = Math.floor(now() / 1000);
        const exp = Math.min(iat + ttl, ...limits);
        if (exp <= iat) {
          throw new IssuanceError(
            user?.expiresAt !== undefined && exp === Math.floor(user.expiresAt)
              ? `The credential of user ${user.id} has expired; no token can be issued on its behalf`
              : 'notAfter has passed; no token can be issued',
            { agent: id },
          );
        }
        const claims: Record<string, unknown> = {
          iss: issuerName,
          sub: user ? user.id : id,
          aud: audience ?? (audiences.length === 1 ? audiences[0] : [...audiences]),
          iat,
          nbf: iat,
          exp,
          jti: generateId(),
          ...(user ? { act: { sub: id }, roles: [...user.roles] } : {}),
          ...(user?.tenant !== undefined ? { tenant: user.tenant } : {}),
          ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
          ...(task !== undefined ? { task } : {}),
          ...(instance !== undefined ? { instance } : {}),
          ...(env !== undefined ? { env } : {}),
        };
        const token = mint(claims);
        span.setAttributes({
          [ATTR.agentId]: id,
          [ATTR.tokenId]: claims.jti as string,
          [ATTR.expiresAt]: claims.exp as number,
          [ATTR.keyId]: ring.active().kid,
          [ATTR.scopes]: [...scopes],
          ...(user ? { [ATTR.userId]: user.id } : {}),
          ...(task !== undefined ? { [ATTR.task]: task } : {}),
        });
        return token;
      },
    );
  }

  async function delegate(parentToken: string, request: DelegateRequest): Promise<string> {
    const at = 'delegate()';
    if (typeof request !== 'object' || request === null)
      throw new TypeError(`${at}: expected a request object`);
    return inSpan(
      tracer,
      'palisade.identity.delegate',
      { [ATTR.agentId]: String(request.agent) },
      async (span) => {
        const nowMs = now();
        const parentPrincipal = await parents.verify(parentToken, { now: nowMs });
        const parent = parents.factsOf(parentPrincipal) as AgentTokenFacts;
        span.setAttributes({ [ATTR.parentTokenId]: parentPrincipal.tokenId ?? '' });
        const { record, id } = resolveAgent(request.agent, DelegationError);
        if (parent.agents.includes(id))
          throw new DelegationError(`Agent ${id} is already in the delegation chain`, { agent: id });
        const depth = parent.ancestors.length + 1;
        if (depth > maxDepth) {
          throw new DelegationError(`Delegation depth ${depth} exceeds the maximum of ${maxDepth}`, {
            agent: id,
          });
        }
        const requested = scopeList(request.scopes, at);
        let scopes: readonly string[];
        if (requested === undefined) {
          scopes = parentPrincipal.scopes.filter((scope) => record.scopes.includes(scope));
        } else {
          const wider = requested.filter((scope) => !parentPrincipal.scopes.includes(scope));
          if (wider.length > 0) {
            throw new DelegationError(`Scope(s) ${wider.join(', ')} are wider than the parent token's`, {
              agent: id,
            });
          }
          const unregistered = requested.filter((scope) => !record.scopes.includes(scope));
          if (unregistered.length > 0) {
            throw new DelegationError(
              `Agent ${id} is not registered for scope(s) ${unregistered.join(', ')}`,
              { agent: id },
            );
          }
          scopes = requested;
        }
        const task = optionalText(request.task, 'task', at);
        if (task !== undefined && parentPrincipal.task !== undefined && task !== parentPrincipal.task) {
          throw new DelegationError(
            `The parent token is scoped to task ${parentPrincipal.task}, not ${task}`,
            { agent: id },
          );
        }
        const audience = optionalText(request.audience, 'audience', at);
        if (audience !== undefined && !parent.audiences.includes(audience)) {
          throw new DelegationError(`The parent token is not valid for audience ${audience}`, { agent: id });
        }
        const instance = optionalText(request.instance, 'instance', at);
        const iat = Math.floor(nowMs / 1000);
        let exp: number;
        if (request.ttlSeconds !== undefined) {
          exp = iat + wholeSeconds(request.ttlSeconds, 'ttlSeconds', at, 1);
          if (exp > parent.expiresAt) {
            throw new DelegationError(
              `The requested expiry is later than the parent token's (${parent.expiresAt})`,
              { agent: id },
            );
          }
          if (exp - iat > maxTtl)
            throw new DelegationError(`ttlSeconds exceeds the maximum of ${maxTtl}`, { agent: id });
        } else {
          exp = Math.min(parent.expiresAt, iat + defaultTtl);
        }
        if (exp <= iat)
          throw new DelegationError('The parent token expires too soon to delegate', { agent: id });
        const env = await attest(record, id, instance, parentPrincipal, DelegationError);
        const agents = [...parent.agents, id];
        const user = parentPrincipal.user;
        const claims: Record<string, unknown> = {
          iss: issuerName,
          sub: user ? user.id : agents[0],
          aud: audience ?? (parent.audiences.length === 1 ? parent.audiences[0] : [...parent.audiences]),
          iat,
          nbf: iat,
          exp,
          jti: generateId(),
          act: nestActors(user ? agents : agents.slice(1)),
          ...(user ? { roles: [...user.roles] } : {}),
          ...(user?.tenant !== undefined ? { tenant: user.tenant } : {}),
          ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
          ...((task ?? parentPrincipal.task) !== undefined ? { task: task ?? parentPrincipal.task } : {}),
          ...(instance !== undefined ? { instance } : {}),
          ...(env !== undefined ? { env } : {}),
          ancestors: [...parent.ancestors, parentPrincipal.tokenId],
        };
        const token = mint(claims);
        span.setAttributes({
          [ATTR.agentId]: id,
          [ATTR.tokenId]: claims.jti as string,
          [ATTR.expiresAt]: exp,
          [ATTR.depth]: depth,
          [ATTR.scopes]: [...scopes],
          ...(user ? { [ATTR.userId]: user.id } : {}),
        });
        return token;
      },
    );
  }

  async function revocationOf(
    target: RevokeTarget,
  ): Promise<{ kind: 'token' | 'agent' | 'task' | 'key'; value: string; expiresAt?: number }> {
    if ('token' in target) {
      // The token must be one of ours (signature checked), but may be expired or already revoked.
      const parsed = parseCompactJws(target.token, {
        maxLength: 8192,
        algorithms: new Set(['EdDSA', 'ES256']),
      });
      const key = parsed.kid === undefined ? undefined : ring.get(parsed.kid);
      if (!key) throw new TypeError('revoke(): the token is not signed by a key of this issuer');
      verifyParsedJws(parsed, importVerificationKey(key.publicJwk));
      const claims = parseJsonObject(parsed.payload, 'The token claim set');
      if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number')
        throw new TypeError('revoke(): the token has no jti/exp');
      return { kind: 'token', value: claims.jti, expiresAt: claims.exp };
    }
    if ('tokenId' in target) {
      const value = optionalText(target.tokenId, 'tokenId', 'revoke()')!;
      return target.expiresAt === undefined
        ? { kind: 'token', value }
        : { kind: 'token', value, expiresAt: target.expiresAt };
    }
    if ('agent' in target) {
      const record = typeof target.agent === 'string' ? registry.get(target.agent) : undefined;
      const value = record ? (record.id ?? agentId(trustDomain, record.name)) : target.agent;
      if (!parseAgentId(value))
        throw new TypeError(
          `revoke(): agent ${JSON.stringify(target.agent)} is neither registered nor an agent id`,
        );
      return { kind: 'agent', value };
    }
    if ('task' in target) return { kind: 'task', value: optionalText(target.task, 'task', 'revoke()')! };
    if ('keyId' in target) return { kind: 'key', value: optionalText(target.keyId, 'keyId', 'revoke()')! };
    throw new TypeError('revoke(): give one of token, tokenId, agent, task or keyId');
  }

  async function revoke(target: RevokeTarget): Promise<Revocation> {
    if (!revocations) throw new TypeError('revoke(): the issuer was created without a revocation store');
    if (typeof target !== 'object' || target === null)
      throw new TypeError('revoke(): expected a target object');
    return inSpan(tracer, 'palisade.identity.revoke', {}, async (span) => {
      const input = await revocationOf(target);
      span.setAttributes({ [ATTR.revocationKind]: input.kind, [ATTR.revocationValue]: input.value });
      return revocations.revoke({
        ...input,
        ...(target.reason === undefined ? {} : { reason: target.reason }),
      });
    });
  }

  return {
    issuer: issuerName,
    trustDomain,
    keyRing: ring,
    issue,
    delegate,
    revoke,
    jwks: () => ring.jwks(),
  };
}
