import {
  type ApprovalRequest,
  type ApprovalStore,
  approvalConsumeFailure,
  approvalDecideFailure,
} from '@palisade/core';
import { checkListLimit } from './internal/list-limit.js';

/**
 * Creates an in-process `ApprovalStore`. Every transition runs without awaiting in between, so it
 * is atomic within the process. Requests are copied in and out, so nobody can change a stored
 * payload through a reference. Lost when the process ends: use the SQLite store to survive
 * restarts, and the Postgres or Redis store for several replicas.
 *
 * @example
 * ```ts
 * const service = createApprovalService({ store: createMemoryApprovalStore(), approvers });
 * ```
 */
export function createMemoryApprovalStore(): ApprovalStore {
  const requests = new Map<string, ApprovalRequest>();

  return {
    async insert(request) {
      if (requests.has(request.id)) throw new Error(`Approval request ${request.id} already exists`);
      requests.set(request.id, structuredClone(request));
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
      requests.clear();
    },
  };
}
