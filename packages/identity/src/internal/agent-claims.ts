import { CredentialError, type Principal, type RevocationQuery } from '@palisade/core';
import { parseAgentId } from '../agent-id.js';
import { REGISTERED_AGENT_CLAIMS } from '../agent-token.js';

/** What the claim checks need to know. */
export interface ClaimRules {
  readonly issuer: string;
  /** Largest accepted `exp - iat`. */
  readonly maxTtlSeconds: number;
  readonly maxDelegationDepth: number;
  /** When set, every agent in the chain must belong to it. */
  readonly trustDomain: string | undefined;
}

/** Everything learnt from a signature-checked claim set, before the time, audience and revocation checks. */
export interface AgentTokenFacts {
  readonly principal: Principal;
  readonly query: RevocationQuery;
  readonly audiences: readonly string[];
  readonly issuedAt: number;
  readonly notBefore: number;
  readonly expiresAt: number;
  /** Agent ids from the root agent to the acting one. */
  readonly agents: readonly string[];
  readonly ancestors: readonly string[];
  readonly user: string | undefined;
}

const MAX_STRING = 1024;

function reject(message: string): never {
  throw new CredentialError(message);
}

function text(value: unknown, name: string, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_STRING) {
    return reject(`The token claim "${name}" must be a non-empty string`);
  }
  return value;
}

function seconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return reject(`The token claim "${name}" must be a whole number of seconds`);
  }
  return value;
}

function stringList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.length > 256 ||
    value.some((entry) => typeof entry !== 'string' || entry === '')
  ) {
    return reject(`The token claim "${name}" must be an array of strings`);
  }
  return Object.freeze([...value]);
}

function agentIn(id: string, rules: ClaimRules, role: string): string {
  const parsed = parseAgentId(id);
  if (!parsed) reject(`The ${role} ${JSON.stringify(id)} is not an agent id`);
  if (rules.trustDomain !== undefined && parsed.trustDomain !== rules.trustDomain) {
    reject(`The ${role} ${id} is outside the trust domain ${rules.trustDomain}`);
  }
  return id;
}

const REGISTERED = new Set(REGISTERED_AGENT_CLAIMS);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks a claim set that carried a valid signature and builds the principal: the user is `sub` when
 * an actor acts for it, the acting agent is the outermost `act.sub` (or `sub` without `act`), and the
 * delegation chain runs outermost first.
 *
 * @throws CredentialError for any malformed or disallowed claim.
 */
export function readAgentClaims(
  claims: Record<string, unknown>,
  keyId: string | undefined,
  rules: ClaimRules,
): AgentTokenFacts {
  if (claims.iss !== rules.issuer) reject('The token was issued by another issuer');
  const sub = text(claims.sub, 'sub')!;
  const jti = text(claims.jti, 'jti')!;
  const issuedAt = seconds(claims.iat, 'iat');
  const notBefore = claims.nbf === undefined ? issuedAt : seconds(claims.nbf, 'nbf');
  const expiresAt = seconds(claims.exp, 'exp');
  if (expiresAt <= issuedAt || expiresAt <= notBefore) reject('The token expires before it becomes valid');
  if (expiresAt - issuedAt > rules.maxTtlSeconds) {
    reject(`The token lives ${expiresAt - issuedAt}s, longer than the ${rules.maxTtlSeconds}s allowed`);
  }

  let audiences: readonly string[];
  if (typeof claims.aud === 'string') audiences = [claims.aud];
  else if (
    Array.isArray(claims.aud) &&
    claims.aud.length > 0 &&
    claims.aud.every((entry) => typeof entry === 'string')
  ) {
    audiences = Object.freeze([...(claims.aud as string[])]);
  } else return reject('The token claim "aud" is missing or malformed');

  // Flatten the RFC 8693 actor nesting: the outermost `act` is the current actor.
  const actors: string[] = [];
  let actor: unknown = claims.act;
  while (actor !== undefined) {
    if (typeof actor !== 'object' || actor === null || Array.isArray(actor))
      reject('The token claim "act" is malformed');
    if (actors.length > rules.maxDelegationDepth) reject('The token delegation chain is deeper than allowed');
    const record = actor as Record<string, unknown>;
    actors.push(agentIn(text(record.sub, 'act.sub')!, rules, 'actor'));
    actor = record.act;
  }
  actors.reverse();
  const userIsSubject = actors.length > 0 && !sub.startsWith('spiffe://');
  const agents = userIsSubject ? actors : [agentIn(sub, rules, 'subject'), ...actors];
  const current = agents[agents.length - 1]!;
  if (new Set(agents).size !== agents.length) reject('The token delegation chain repeats an agent');

  const ancestors = stringList(claims.ancestors, 'ancestors');
  if (ancestors.length !== agents.length - 1)
    reject('The token claim "ancestors" does not match its actor chain');
  if (ancestors.length > rules.maxDelegationDepth)
    reject('The token delegation chain is deeper than allowed');

  if (claims.scope !== undefined && typeof claims.scope !== 'string')
    reject('The token claim "scope" must be a string');
  const scopes = Object.freeze(
    claims.scope === undefined ? [] : claims.scope.split(' ').filter((scope) => scope !== ''),
  );
  const roles = stringList(claims.roles, 'roles');
  if (!userIsSubject && claims.roles !== undefined)
    reject('The token carries user roles but acts for no user');
  const tenant = text(claims.tenant, 'tenant', true);
  const task = text(claims.task, 'task', true);
  const instance = text(claims.instance, 'instance', true);
  if (claims.env !== undefined) {
    const env = claims.env;
    if (
      typeof env !== 'object' ||
      env === null ||
      Array.isArray(env) ||
      Object.values(env).some((v) => typeof v !== 'string')
    ) {
      reject('The token claim "env" must be an object of strings');
    }
  }

  const extra: Record<string, unknown> = {};
  for (const name in claims) {
    if (!REGISTERED.has(name)) extra[name] = deepFreeze(claims[name]);
  }
  if (tenant !== undefined) extra.tenant = tenant;

  const principal: Principal = Object.freeze({
    agent: Object.freeze({ id: current, name: current.slice(current.lastIndexOf('/') + 1), instance }),
    user: userIsSubject ? Object.freeze({ id: sub, roles, tenant }) : undefined,
    delegation: Object.freeze(userIsSubject ? [sub, ...agents] : [...agents]),
    scopes,
    // A scope names the tool whose name it equals; a verifier with a registry narrows this further.
    allowedTools: scopes,
    task,
    tokenId: jti,
    issuer: rules.issuer,
    expiresAt,
    claims: Object.freeze(extra),
  });
  const query: RevocationQuery = Object.freeze({
    tokenIds: Object.freeze([jti, ...ancestors]),
    agents: Object.freeze([...agents]),
    task,
    keyId,
  });
  return {
    principal,
    query,
    audiences,
    issuedAt,
    notBefore,
    expiresAt,
    agents,
    ancestors,
    user: userIsSubject ? sub : undefined,
  };
}
