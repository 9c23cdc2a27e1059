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

  function open(): void {
    if (closed) throw new Error('The revocation store is closed');
  }

  return {
    async revoke(input) {
      open();
      const revocation: Revocation = { ...normalizeRevocationInput(input), revokedAt: now() };
      index.prune(now(), graceSeconds);
      return index.add(revocation);
    },
    async check(query) {
      open();
      return index.match(query);
    },
    async list() {
      open();
      index.prune(now(), graceSeconds);
      return index.list();
    },
    async close() {
      closed = true;
    },
  };
}
