export type { ActionDigestInput } from './action-digest.js';
export { actionDigest, actionRequestDigest } from './action-digest.js';
export type { ActionKind, ActionRequest, Effect, RequestContext } from './action-request.js';
export { ACTION_KINDS, EFFECTS, isPersistentEffect } from './action-request.js';
export type { ApprovalGate, ApprovalOutcome, AuthorizeOptions } from './approval-gate.js';
export type { ApprovalDescription, ApprovalProposal } from './approval-proposal.js';
export { approvalProposal } from './approval-proposal.js';
export type { ApprovalTraceEvent } from './approval-trace-event.js';
export type {
  AuditRecorder,
  AuditScope,
  CallDescriptor,
  CallOutcome,
  IntentDetails,
} from './audit-recorder.js';
export type { AsyncContextStorage, CallContext, CallScope, CallScopeOptions } from './call-context.js';
export { createCallScope, mergeCallContext } from './call-context.js';
export { canonicalJson } from './canonical-json.js';
export type { CatalogEntry } from './catalog-entry.js';
export { catalogEntry } from './catalog-entry.js';
export type { CredentialVerifier, VerifyOptions } from './credential-verifier.js';
export type { Decider } from './decider.js';
export type { Decision, DecisionEffect, Obligation } from './decision.js';
export { isDecision } from './decision.js';
export type {
  FindSecretsOptions,
  RedactSecretsOptions,
  SecretDetector,
  SecretMatch,
} from './detect-secrets.js';
export { DEFAULT_SECRET_DETECTORS, findSecrets, REDACTED_SECRET, redactSecrets } from './detect-secrets.js';
export type {
  EnforcedOutcome,
  EnforcedTool,
  EnforcementPoint,
  PreparedCall,
} from './enforcement-point.js';
export { createEnforcementPoint, isEnforced, markEnforced } from './enforcement-point.js';
export type {
  AccessDeniedErrorOptions,
  AfterExecutionStage,
  CallFailedErrorOptions,
  GuardStage,
  InputIssue,
  StageTimeoutErrorOptions,
} from './errors.js';
export {
  AccessDeniedError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CallFailedError,
  CredentialError,
  GuardFaultError,
  InputValidationError,
  PalisadeError,
  StageTimeoutError,
  TokenExpiredError,
  TokenRevokedError,
} from './errors.js';
export type {
  CallToEvaluate,
  Enforcement,
  EvaluatedCall,
  GuardedTool,
  ObligationHandler,
  RiskScorer,
  ToolDefinition,
  ToolExecutionContext,
} from './guard.js';
export { evaluate, guard } from './guard.js';
export type { DigestKey } from './keyed-digest.js';
export { createDigestKey, isDigestKey, keyedDigest } from './keyed-digest.js';
export type { CallRecord, MemoryRecorder } from './memory-recorder.js';
export { createMemoryRecorder } from './memory-recorder.js';
export type { OutputDeclaration } from './observe-output.js';
export { observeOutput, providedByUser, userValues } from './observe-output.js';
export type { AgentIdentity, Principal, UserIdentity } from './principal.js';
export type {
  MemoryProvenanceStoreOptions,
  ProvenanceRecord,
  ProvenanceStore,
  ProvenanceView,
  RecordedValue,
  ValueObservation,
  ValueOrigin,
} from './provenance-store.js';
export { createMemoryProvenanceStore } from './provenance-store.js';
export { RECORD_PROVENANCE, recordProvenanceHandler } from './record-provenance.js';
export type { RefusalDecision } from './record-refusal.js';
export { recordRefusal } from './record-refusal.js';
export type { MemorySessionStore, MemorySessionStoreOptions, SessionStore } from './session-store.js';
export { createMemorySessionStore } from './session-store.js';
export type { StageDeadlines } from './stage-deadlines.js';
export { DEFAULT_STAGE_DEADLINES, resolveStageDeadlines } from './stage-deadlines.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export type {
  ApprovalConsumeFailure,
  ApprovalConsumeResult,
  ApprovalDecideFailure,
  ApprovalDecideResult,
  ApprovalListQuery,
  ApprovalPolicyReference,
  ApprovalRequest,
  ApprovalRow,
  ApprovalStatus,
  ApprovalStore,
  SignedApprovalDecision,
} from './stores/approval-store.js';
export {
  APPROVAL_STATUSES,
  approvalConsumeFailure,
  approvalDecideFailure,
  fromApprovalRow,
  toApprovalRow,
} from './stores/approval-store.js';
export type {
  AuditChainHead,
  AuditChainLine,
  AuditChainState,
  AuditChainStore,
} from './stores/audit-chain-store.js';
export { AuditChainConflictError } from './stores/audit-chain-store.js';
export type { CounterConsumeResult, CounterStore } from './stores/counter-store.js';
export type { ExpiringMap, ExpiringMapOptions } from './stores/expiring-map.js';
export { createExpiringMap } from './stores/expiring-map.js';
export type { ReplayCache } from './stores/replay-cache.js';
export type { RevocationIndex } from './stores/revocation-index.js';
export { createRevocationIndex, normalizeRevocationInput } from './stores/revocation-index.js';
export {
  createRevocationReplica,
  type ReplicatedRevocationStore,
  type RevocationReplica,
  type RevocationReplicaOptions,
  type RevocationSyncOptions,
  type RevocationTransport,
  toRevocation,
} from './stores/revocation-replica.js';
export type {
  Revocation,
  RevocationInput,
  RevocationKind,
  RevocationQuery,
  RevocationStore,
} from './stores/revocation-store.js';
export { REVOCATION_KINDS } from './stores/revocation-store.js';
export { StoreFullError } from './stores/store-full-error.js';
export type { ValueToken, ValueTokenKind } from './value-tokens.js';
export { isDistinctiveToken, normalizeValue, valueTokens } from './value-tokens.js';
