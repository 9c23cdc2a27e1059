export type { ApprovalConsole, ApprovalConsoleOptions, ListeningConsole } from './approval-console.js';
export { createApprovalConsole } from './approval-console.js';
export type { ApprovalDescription, ApprovalGateOptions } from './approval-gate.js';
export { createApprovalGate, digestOfActionRequest } from './approval-gate.js';
export type {
  ApprovalEvents,
  ApprovalProposal,
  ApprovalRejection,
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
  HumanCredentials,
  HumanTokenVerifier,
  VerifiedHuman,
  VerifierApproverCheck,
} from './approver-check.js';
export type { ApprovalStateProblem, ApproverRejection } from './errors.js';
export { ApprovalStateError, ApproverRejectedError } from './errors.js';
export type { MemoryApprovalStoreOptions } from './memory-approval-store.js';
export { createMemoryApprovalStore } from './memory-approval-store.js';
export type { ApprovalTraceEvent } from './observe-approvals.js';
export { observeApprovals } from './observe-approvals.js';
export { requestActionDigest } from './request-action-digest.js';
export type { SqliteApprovalStoreOptions } from './sqlite-approval-store.js';
export { createSqliteApprovalStore } from './sqlite-approval-store.js';
export type {
  WebhookDelivery,
  WebhookEvent,
  WebhookNotifier,
  WebhookNotifierOptions,
} from './webhook-notifier.js';
export {
  createWebhookNotifier,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
} from './webhook-notifier.js';
