import type { ReplayCache } from '@palisade/core';

export type { ReplayCache };

/** Options for `createMemoryReplayCache`. */
export interface MemoryReplayCacheOptions {
  /** Most token ids held at once. When full of unexpired ids, new tokens are refused. Default 100000. */
  maxEntries?: number | undefined;
  /**
   * Seconds an id is kept after its token's `exp`, to cover the verifier's clock tolerance (a token
   * is still accepted that long after `exp`). Default 60; must be at least the verifier's
   * `clockToleranceSeconds`.
   */
  graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * Creates an in-process replay cache. Memory is bounded by `maxEntries` (about 100 bytes each); when
 * every slot holds a token that has not expired yet, `consume` rejects rather than forget one, so a
 * flood can deny service but never enable a replay.
 *
 * @example
 * ```ts
 * const verifier = createAgentVerifier({ ...options, replay: createMemoryReplayCache() });
 * ```
 */
export function createMemoryReplayCache(options: MemoryReplayCacheOptions = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryReplayCache(): maxEntries must be a positive integer');
  }
  const graceSeconds = options.graceSeconds ?? 60;
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0) {
    throw new TypeError('createMemoryReplayCache(): graceSeconds must be a whole number >= 0');
  }
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();

  function prune(nowSeconds: number): void {
    for (const [tokenId, expiresAt] of seen) if (expiresAt + graceSeconds < nowSeconds) seen.delete(tokenId);
  }

  return {
    async consume(tokenId, expiresAt) {
      const nowSeconds = now() / 1000;
      const previous = seen.get(tokenId);
      if (previous !== undefined && previous + graceSeconds >= nowSeconds) return false;
      if (seen.size >= maxEntries) {
        prune(nowSeconds);
        if (seen.size >= maxEntries)
          throw new Error('The replay cache is full; one-time tokens cannot be accepted');
      }
      seen.set(tokenId, expiresAt);
      return true;
    },
  };
}
