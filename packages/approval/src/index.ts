export type { ApprovalDescription, ApprovalGateOptions } from './approval-gate.js';
export { createApprovalGate, digestOfActionRequest } from './approval-gate.js';
export type {
  ApprovalEvents,
  ApprovalProposal,
  ApprovalService,
  ApprovalServiceOptions,
  ApprovalUseFailure,
  ApprovalUseResult,
  DecideInput,
} from './approval-service.js';
export { createApprovalService } from './approval-service.js';
export type {
  Approver,
  ApproverCheck,
  ApproverCheckContext,
  VerifierApproverCheck,
} from './approver-check.js';
export type { ApprovalStateProblem, ApproverRejection } from './errors.js';
export { ApprovalStateError, ApproverRejectedError } from './errors.js';
export { createMemoryApprovalStore } from './memory-approval-store.js';
export type { SqliteApprovalStoreOptions } from './sqlite-approval-store.js';
export { createSqliteApprovalStore } from './sqlite-approval-store.js';
