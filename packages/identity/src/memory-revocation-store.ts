import {
  createRevocationIndex,
  normalizeRevocationInput,
  type Revocation,
  type RevocationStore,
} from '@palisade/core';

/** Options for `createMemoryRevocationStore`. */
export interface MemoryRevocationStoreOptions {
  /** Seconds an entry is kept after its `expiresAt`, to cover verifier clock tolerance. Default 300. */
  graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * Creates an in-process revocation store. Suited to one process (or tests); use the Redis or Postgres
 * store when several replicas verify tokens.
 *
 * @example
 * ```ts
 * const revocations = createMemoryRevocationStore();
 * const verifier = createAgentVerifier({ ...options, revocations });
 * await revocations.revoke({ kind: 'agent', value: 'spiffe://acme.example/agent/support-bot' });
 * ```
 */
export function createMemoryRevocationStore(options: MemoryRevocationStoreOptions = {}): RevocationStore {
  const graceSeconds = options.graceSeconds ?? 300;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new TypeError('createMemoryRevocationStore(): graceSeconds must be a number >= 0');
  }
  const now = options.now ?? Date.now;
  const index = createRevocationIndex();
  let closed = false;
  let prunedAt = Number.NEGATIVE_INFINITY;

  // Pruning walks every entry: at most once a minute, so revoking stays O(1) amortised.
  function prune(): void {
    const time = now();
    if (time - prunedAt < 60_000) return;
    prunedAt = time;
    index.prune(time, graceSeconds);
  }

  function open(): void {
    if (closed) throw new Error('The revocation store is closed');
  }

  return {
    async revoke(input) {
      open();
      const revocation: Revocation = { ...normalizeRevocationInput(input), revokedAt: now() };
      prune();
      return index.add(revocation);
    },
    async check(query) {
      open();
      return index.match(query);
    },
    async list() {
      open();
      prune();
      const nowSeconds = now() / 1000;
      return index
        .list()
        .filter((entry) => entry.expiresAt === undefined || entry.expiresAt + graceSeconds >= nowSeconds);
    },
    async close() {
      closed = true;
    },
  };
}
