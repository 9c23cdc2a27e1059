import { createApprovalGate, createApprovalService, createMemoryApprovalStore } from '@palisade/approval';
import type { ApprovalStore } from '@palisade/core';
import { reviewerApprovers } from './doubles.js';

/**
 * A real approval service on the in-memory store (or `options.store`), approvers being holders of
 * the `approver` role, reading the time from `options.now` when given. Each service draws its own
 * signing key.
 */
export function approvalParts(
  options: { now?: (() => number) | undefined; store?: ApprovalStore | undefined } = {},
) {
  const service = createApprovalService({
    store: options.store ?? createMemoryApprovalStore(),
    approvers: reviewerApprovers(),
    now: options.now,
  });
  const gate = createApprovalGate({ service, mode: 'interrupt' });
  return { service, gate };
}
