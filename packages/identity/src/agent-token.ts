/**
 * The `typ` header of every agent token (RFC 8725 §3.11 explicit typing). Verifiers refuse any other
 * value, so an OIDC ID token or an access token can never pass as an agent token, nor the reverse.
 */
export const AGENT_TOKEN_TYPE = 'palisade-agent+jwt';

/** RFC 8693 actor claim: the acting party, with the party it acts for nested inside. */
export interface ActorClaim {
  readonly sub: string;
  readonly act?: ActorClaim | undefined;
}

/** The claim set of an agent token. */
export interface AgentTokenClaims {
  readonly iss: string;
  /** The user the agent acts for, or the agent itself when it acts for no one. */
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  /** The acting agent, with earlier actors nested (RFC 8693 §4.1). Absent when the agent is `sub`. */
  readonly act?: ActorClaim | undefined;
  /** Space-separated scopes (RFC 8693 §4.2). */
  readonly scope?: string | undefined;
  /** The user's roles, when the token acts for a user. */
  readonly roles?: readonly string[] | undefined;
  readonly tenant?: string | undefined;
  /** The task the token is scoped to. */
  readonly task?: string | undefined;
  /** The running instance of the acting agent. */
  readonly instance?: string | undefined;
  /** Attested environment of the acting agent (runtime, image digest, region...). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** `jti` of every token this one was delegated from, outermost first. */
  readonly ancestors?: readonly string[] | undefined;
}

/** Claims the verifier interprets; everything else is passed through in `Principal.claims`. */
export const REGISTERED_AGENT_CLAIMS: readonly string[] = Object.freeze([
  'iss',
  'sub',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
  'act',
  'scope',
  'roles',
  'tenant',
  'task',
  'instance',
  'ancestors',
]);
