/**
 * What a revocation names. `token` is one credential (its `jti`), `agent` every credential acting as or
 * through that agent, `task` every credential scoped to the task, `key` every credential signed with
 * the key (the kill switch).
 */
export type RevocationKind = 'token' | 'agent' | 'task' | 'key';

/** Every revocation kind. */
export const REVOCATION_KINDS: readonly RevocationKind[] = Object.freeze(['token', 'agent', 'task', 'key']);

/** A revocation to record. */
export interface RevocationInput {
  readonly kind: RevocationKind;
  /** The token id, agent id (SPIFFE URI), task id or key id. */
  readonly value: string;
  readonly reason?: string | undefined;
  /**
   * Epoch seconds after which the entry may be forgotten, because nothing it matches can still verify
   * (the `exp` of a revoked token). Absent means the revocation is kept until removed by hand.
   */
  readonly expiresAt?: number | undefined;
}

/** A recorded revocation. */
export interface Revocation extends RevocationInput {
  /** Epoch milliseconds at which it was recorded. */
  readonly revokedAt: number;
}

/**
 * Everything about one credential that a revocation can match. Verifiers pass the token's own id and
 * the ids of every token it was delegated from, so revoking a parent revokes all its descendants.
 */
export interface RevocationQuery {
  /** The credential's `jti` followed by the `jti` of each ancestor. */
  readonly tokenIds: readonly string[];
  /** Every agent in the delegation chain. */
  readonly agents: readonly string[];
  readonly task?: string | undefined;
  readonly keyId?: string | undefined;
}

/**
 * Shared record of revoked credentials. Verifiers ask it on every call, so implementations answer
 * from memory and learn of revocations made elsewhere by subscription. When an implementation
 * cannot vouch that it is current (its subscription is down), `check()` must reject: a verifier
 * turns that into a denial.
 */
export interface RevocationStore {
  /** Records a revocation; resolves once it is durable and announced to other replicas. */
  revoke(revocation: RevocationInput): Promise<Revocation>;
  /** The first recorded revocation matching the query, or `undefined` when none matches. */
  check(query: RevocationQuery): Promise<Revocation | undefined>;
  /** Every revocation currently recorded (expired entries excluded). */
  list(): Promise<readonly Revocation[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
