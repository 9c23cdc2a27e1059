/**
 * Remembers the ids of one-time tokens already used, until they expire. A shared implementation
 * (Redis, for instance) lets several replicas enforce one-time use together.
 *
 * Implementations must make `consume` atomic: of any number of concurrent calls with the same
 * `tokenId`, at most one resolves `true` while the entry lives. They must keep an entry at least
 * until `expiresAt` plus the verifiers' clock tolerance, and reject (never resolve `true`) when the
 * use cannot be recorded, so that verification fails closed.
 *
 * @example
 * ```ts
 * const replay: ReplayCache = createRedisReplayCache({ url: 'redis://127.0.0.1:6379' });
 * if (!(await replay.consume(principal.tokenId, principal.expiresAt))) throw new Error('replayed');
 * ```
 */
export interface ReplayCache {
  /**
   * Records that `tokenId` (expiring at `expiresAt`, epoch seconds) is being used; resolves `true` the
   * first time and `false` on any later use. Rejects when the use cannot be recorded.
   */
  consume(tokenId: string, expiresAt: number): Promise<boolean>;
}
