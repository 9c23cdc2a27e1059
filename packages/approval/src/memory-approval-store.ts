import {
  type ApprovalRequest,
  type ApprovalStore,
  approvalConsumeFailure,
  approvalDecideFailure,
  createExpiringMap,
} from '@palisade/core';
import { checkListLimit } from './internal/list-limit.js';

/** Options for `createMemoryApprovalStore`. */
export interface MemoryApprovalStoreOptions {
  /**
   * How long a request stays listed after it expires (milliseconds), whatever its status, so
   * reviewers can see what happened. Default 1 hour. Its lifetime counts from when it was inserted,
   * on the store's clock. After that it is forgotten: consuming or
   * deciding it again finds nothing (`not-found`), which refuses the call.
   */
  readonly retainMs?: number | undefined;
  /**
   * The most requests held at once. Default 10,000. At the cap, `insert` throws `StoreFullError`
   * (the call asking for approval is refused) until old requests are forgotten.
   */
  readonly maxRequests?: number | undefined;
  /** How often forgotten requests are swept while the store is not used (milliseconds). Default 60 s. */
  readonly sweepIntervalMs?: number | undefined;
  /** Epoch milliseconds for reads and the sweep; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/**
 * Creates an in-process `ApprovalStore`. Every transition runs without awaiting in between, so it
 * is atomic within the process. Requests are copied in and out, so nobody can change a stored
 * payload through a reference. Memory is bounded: a request is forgotten `retainMs` after it
 * expires, and at `maxRequests` new requests are refused rather than the store growing. Lost when
 * the process ends: use the SQLite store to survive restarts, and the Postgres or Redis store for
 * several replicas.
 *
 * @example
 * ```ts
 * const service = createApprovalService({ store: createMemoryApprovalStore(), approvers });
 * ```
 */
export function createMemoryApprovalStore(options: MemoryApprovalStoreOptions = {}): ApprovalStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMemoryApprovalStore(): options must be an object');
  const retainMs = options.retainMs ?? 3_600_000;
  if (!Number.isFinite(retainMs) || retainMs < 0)
    throw new TypeError('createMemoryApprovalStore(): retainMs must be a non-negative number');
  const clock = options.now ?? (() => Date.now());
  const stored = createExpiringMap<{ readonly request: ApprovalRequest; readonly forgetAt: number }>({
    store: 'approval store',
    maxEntries: options.maxRequests ?? 10_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    now: clock,
  });
  // A request's lifetime is laid onto the store's clock when it is inserted, so the store forgets it
  // on time even when the requests carry another clock's times (tests, a skewed replica).
  const requests = {
    has: (id: string) => stored.get(id, clock()) !== undefined,
    get: (id: string) => stored.get(id, clock())?.request,
    insert(request: ApprovalRequest) {
      const time = clock();
      const forgetAt = time + Math.max(0, request.expiresAt - request.createdAt) + retainMs;
      stored.set(request.id, { request, forgetAt }, forgetAt, time);
    },
    set(id: string, request: ApprovalRequest) {
      const time = clock();
      const forgetAt = stored.get(id, time)?.forgetAt ?? time + retainMs;
      stored.set(id, { request, forgetAt }, forgetAt, time);
    },
    values: () => stored.values(clock()).map((entry) => entry.request),
  };
  return {
    async insert(request) {
      if (requests.has(request.id)) throw new Error(`Approval request ${request.id} already exists`);
      requests.insert(structuredClone(request));
    },
    async get(id) {
      const request = requests.get(id);
      return request && structuredClone(request);
    },
    async list(query = {}) {
      const limit = checkListLimit(query.limit);
      const matching = [...requests.values()]
        .filter((request) => query.status === undefined || request.status === query.status)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      return matching.slice(0, limit).map((request) => structuredClone(request));
    },
    async decide(id, decision, now) {
      const current = requests.get(id);
      const failure = approvalDecideFailure(current, now);
      if (failure || !current) {
        return { ok: false, reason: failure ?? 'not-found', request: current && structuredClone(current) };
      }
      const updated: ApprovalRequest = {
        ...current,
        status: decision.approve ? 'approved' : 'denied',
        decision: structuredClone(decision),
      };
      requests.set(id, updated);
      return { ok: true, request: structuredClone(updated) };
    },
    async consume(id, digest, now) {
      const current = requests.get(id);
      const failure = approvalConsumeFailure(current, digest, now);
      if (failure || !current) {
        return { ok: false, reason: failure ?? 'not-found', request: current && structuredClone(current) };
      }
      const updated: ApprovalRequest = { ...current, status: 'consumed', consumedAt: now };
      requests.set(id, updated);
      return { ok: true, request: structuredClone(updated) };
    },
    async close(id, status, now) {
      const current = requests.get(id);
      if (current?.status !== 'pending') return undefined;
      if (status === 'expired' && now < current.expiresAt) return undefined;
      const updated: ApprovalRequest = { ...current, status };
      requests.set(id, updated);
      return structuredClone(updated);
    },
    async dispose() {
      stored.clear();
      stored.dispose();
    },
  };
}
