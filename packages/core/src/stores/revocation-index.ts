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
  // One map per kind: a check looks values up as they are, without building a composite key.
  const byKind: Record<RevocationKind, Map<string, Revocation>> = {
    token: new Map(),
    agent: new Map(),
    task: new Map(),
    key: new Map(),
  };
  let size = 0;
  return {
    add(revocation) {
      const entries = byKind[revocation.kind];
      const existing = entries.get(revocation.value);
      if (existing) {
        // A later revocation of the same target may only extend how long it is remembered.
        if (
          existing.expiresAt !== undefined &&
          (revocation.expiresAt === undefined || revocation.expiresAt > existing.expiresAt)
        ) {
          const { expiresAt: _dropped, ...rest } = existing;
          const kept: Revocation = Object.freeze(
            revocation.expiresAt === undefined ? rest : { ...rest, expiresAt: revocation.expiresAt },
          );
          entries.set(revocation.value, kept);
          return kept;
        }
        return existing;
      }
      const frozen = Object.freeze({ ...revocation });
      entries.set(revocation.value, frozen);
      size += 1;
      return frozen;
    },
    match(query) {
      if (size === 0) return undefined;
      const { token, agent, task, key } = byKind;
      if (token.size > 0) {
        for (const tokenId of query.tokenIds) {
          const hit = token.get(tokenId);
          if (hit) return hit;
        }
      }
      if (agent.size > 0) {
        for (const id of query.agents) {
          const hit = agent.get(id);
          if (hit) return hit;
        }
      }
      if (query.task !== undefined && task.size > 0) {
        const hit = task.get(query.task);
        if (hit) return hit;
      }
      if (query.keyId !== undefined && key.size > 0) return key.get(query.keyId);
      return undefined;
    },
    list: () => REVOCATION_KINDS.flatMap((kind) => [...byKind[kind].values()]),
    prune(nowMs, graceSeconds) {
      let dropped = 0;
      for (const entries of Object.values(byKind)) {
        for (const [value, revocation] of entries) {
          if (revocation.expiresAt !== undefined && (revocation.expiresAt + graceSeconds) * 1000 < nowMs) {
            entries.delete(value);
            dropped += 1;
          }
        }
      }
      size -= dropped;
      return dropped;
    },
    get size() {
      return size;
    },
  };
}
