import { createApprovalGate, createApprovalService, createMemoryApprovalStore } from '@palisade/approval';
import { tokenVerifier } from './doubles.js';

/** A real approval service on the in-memory store, approvers being holders of the `approver` role. */
export function approvalParts() {
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: { verifier: tokenVerifier(), roles: ['approver'] },
  });
  const gate = createApprovalGate({ service, mode: 'interrupt' });
  return { service, gate };
}
