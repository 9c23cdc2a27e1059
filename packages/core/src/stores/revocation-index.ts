import {
  REVOCATION_KINDS,
  type Revocation,
  type RevocationInput,
  type RevocationKind,
  type RevocationQuery,
} from './revocation-store.js';

/**
 * The in-memory lookup every `RevocationStore` answers from: shared stores (Redis, Postgres) keep one
 * in step with the server by subscription, so a check never waits on the network.
 */
export interface RevocationIndex {
  /** Adds a revocation; returns the one kept (the earlier, when the target was already revoked). */
  add(revocation: Revocation): Revocation;
  /** The first revocation matching the query: token ids, then agents, task and key. */
  match(query: RevocationQuery): Revocation | undefined;
  /** Every revocation held. */
  list(): Revocation[];
  /**
   * Drops entries whose `expiresAt` (epoch seconds) lies more than `graceSeconds` before `nowMs`;
   * returns how many were dropped.
   */
  prune(nowMs: number, graceSeconds: number): number;
  readonly size: number;
}

const SEPARATOR = '\u0000';

function keyOf(kind: RevocationKind, value: string): string {
  return kind + SEPARATOR + value;
}

/**
 * Validates a revocation to be recorded and returns a clean copy.
 *
 * @throws TypeError naming the bad field.
 * @example
 * ```ts
 * const input = normalizeRevocationInput({ kind: 'agent', value: 'spiffe://acme.example/agent/bot' });
 * ```
 */
export function normalizeRevocationInput(input: RevocationInput): RevocationInput {
  if (typeof input !== 'object' || input === null) throw new TypeError('revoke(): expected { kind, value }');
  if (!REVOCATION_KINDS.includes(input.kind)) {
    throw new TypeError(
      `revoke(): kind must be one of ${REVOCATION_KINDS.join(', ')}, got ${String(input.kind)}`,
    );
  }
  if (typeof input.value !== 'string' || input.value === '' || input.value.length > 1024) {
    throw new TypeError('revoke(): value must be a non-empty string of at most 1024 characters');
  }
  if (input.reason !== undefined && (typeof input.reason !== 'string' || input.reason.length > 1024)) {
    throw new TypeError('revoke(): reason must be a string of at most 1024 characters');
  }
  if (input.expiresAt !== undefined && !Number.isFinite(input.expiresAt)) {
    throw new TypeError('revoke(): expiresAt must be epoch seconds');
  }
  return {
    kind: input.kind,
    value: input.value,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
  };
}

/**
 * Creates an empty revocation index.
 *
 * @example
 * ```ts
 * const index = createRevocationIndex();
 * index.add({ kind: 'token', value: 'jti-1', revokedAt: Date.now() });
 * index.match({ tokenIds: ['jti-1'], agents: [] }); // the revocation
 * ```
 */
export function createRevocationIndex(): RevocationIndex {
  const entries = new Map<string, Revocation>();
  return {
    add(revocation) {
      const key = keyOf(revocation.kind, revocation.value);
      const existing = entries.get(key);
      if (existing) {
        // A later revocation of the same target may only extend how long it is remembered.
        if (
          existing.expiresAt !== undefined &&
          (revocation.expiresAt === undefined || revocation.expiresAt > existing.expiresAt)
        ) {
          const { expiresAt: _dropped, ...rest } = existing;
          const kept: Revocation =
            revocation.expiresAt === undefined ? rest : { ...rest, expiresAt: revocation.expiresAt };
          entries.set(key, Object.freeze(kept));
          return kept;
        }
        return existing;
      }
      const frozen = Object.freeze({ ...revocation });
      entries.set(key, frozen);
      return frozen;
    },
    match(query) {
      if (entries.size === 0) return undefined;
      for (const tokenId of query.tokenIds) {
        const hit = entries.get(keyOf('token', tokenId));
        if (hit) return hit;
      }
      for (const agent of query.agents) {
        const hit = entries.get(keyOf('agent', agent));
        if (hit) return hit;
      }
      if (query.task !== undefined) {
        const hit = entries.get(keyOf('task', query.task));
        if (hit) return hit;
      }
      if (query.keyId !== undefined) {
        const hit = entries.get(keyOf('key', query.keyId));
        if (hit) return hit;
      }
      return undefined;
    },
    list: () => [...entries.values()],
    prune(nowMs, graceSeconds) {
      let dropped = 0;
      for (const [key, revocation] of entries) {
        if (revocation.expiresAt !== undefined && (revocation.expiresAt + graceSeconds) * 1000 < nowMs) {
          entries.delete(key);
          dropped += 1;
        }
      }
      return dropped;
    },
    get size() {
      return entries.size;
    },
  };
}
