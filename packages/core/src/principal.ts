/** The agent that acts: a workload identity, never a shared service account. */
export interface AgentIdentity {
  /** SPIFFE-style URI, e.g. `spiffe://acme.example/agent/support-bot`. */
  readonly id: string;
  /** Short display name (the last path segment of the id unless set). */
  readonly name?: string | undefined;
  /** The running instance (pod, process) when the token names one. */
  readonly instance?: string | undefined;
}

/** The human the agent acts for. */
export interface UserIdentity {
  readonly id: string;
  readonly roles: readonly string[];
  readonly tenant?: string | undefined;
}

/**
 * Who is acting, as established by a verified credential.
 *
 * A `Principal` only ever comes out of a `CredentialVerifier`; guarded calls never accept one from
 * the caller directly.
 */
export interface Principal {
  readonly agent: AgentIdentity;
  /** The user on whose behalf the agent acts, when it acts for one. */
  readonly user?: UserIdentity | undefined;
  /**
   * The delegation chain, outermost first: the user (when there is one), then each agent down to
   * the one acting now (RFC 8693 `act` nesting, flattened).
   */
  readonly delegation: readonly string[];
  /** The credential's scopes (OAuth `scope`), narrowed by each delegation. */
  readonly scopes: readonly string[];
  /**
   * The names (tools, retrievers, actions) the credential may be used to call at all. When set, the
   * guard refuses a call to any other name before policy runs (stage `scope`): policy can narrow
   * this set, never widen it. Palisade's agent verifier always sets it: the token's scopes (a scope
   * names the tool whose name it equals), intersected with the registry entry's `tools` of every
   * agent in the delegation chain. A verifier that leaves it unset binds no tools itself, and the
   * call is bounded by policy alone.
   */
  readonly allowedTools?: readonly string[] | undefined;
  readonly task?: string | undefined;
  /** The credential's `jti`. */
  readonly tokenId?: string | undefined;
  readonly issuer?: string | undefined;
  /** Epoch seconds at which the credential expires. */
  readonly expiresAt?: number | undefined;
  /** Further verified claims (environment, tenant, ...), for conditions in policy. */
  readonly claims: Readonly<Record<string, unknown>>;
}
