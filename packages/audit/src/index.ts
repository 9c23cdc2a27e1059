export {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_PALISADE_ACTION_KIND,
  ATTR_PALISADE_APPROVAL_DIGEST,
  ATTR_PALISADE_APPROVAL_ID,
  ATTR_PALISADE_APPROVAL_REVIEWER,
  ATTR_PALISADE_APPROVAL_STATUS,
  ATTR_PALISADE_AUDIT_HEAD,
  ATTR_PALISADE_AUDIT_KEY_ID,
  ATTR_PALISADE_AUDIT_SEQUENCE,
  ATTR_PALISADE_AUDIT_SIGNATURE,
  ATTR_PALISADE_DECISION,
  ATTR_PALISADE_DECISION_REASON,
  ATTR_PALISADE_DELEGATION_CHAIN,
  ATTR_PALISADE_EFFECT,
  ATTR_PALISADE_IDENTITY_EXPIRES_AT,
  ATTR_PALISADE_IDENTITY_OPERATION,
  ATTR_PALISADE_IDENTITY_SUBJECT,
  ATTR_PALISADE_IDENTITY_TARGET,
  ATTR_PALISADE_INPUT_DIGEST,
  ATTR_PALISADE_INPUT_DIGEST_KEY,
  ATTR_PALISADE_INTENT_DURABLE,
  ATTR_PALISADE_OUTCOME,
  ATTR_PALISADE_POLICY_PREVIOUS_VERSION,
  ATTR_PALISADE_POLICY_RULE_COUNT,
  ATTR_PALISADE_POLICY_SOURCE,
  ATTR_PALISADE_POLICY_VERSION,
  ATTR_PALISADE_REPLAY,
  ATTR_PALISADE_RETRIEVAL_FINDINGS,
  ATTR_PALISADE_RETRIEVAL_REDACTED,
  ATTR_PALISADE_RETRIEVAL_RETURNED,
  ATTR_PALISADE_RETRIEVAL_WITHHELD,
  ATTR_PALISADE_RISK,
  ATTR_PALISADE_RULE_IDS,
  ATTR_PALISADE_SESSION_LABELS,
  ATTR_PALISADE_STAGE,
  ATTR_PALISADE_TARGET,
  ATTR_PALISADE_TASK,
  ATTR_PALISADE_TENANT,
  ATTR_PALISADE_TOKEN_ID,
  ATTR_USER_ID,
  ATTR_USER_ROLES,
  AUDIT_TRACER_NAME,
  EVENT_EXCEPTION,
  OPERATION_EXECUTE_TOOL,
  OPERATION_RETRIEVAL,
  SPAN_APPROVAL_CONSUME,
  SPAN_APPROVAL_DECISION,
  SPAN_APPROVAL_REQUEST,
  SPAN_AUDIT_CHECKPOINT,
  SPAN_GUARD,
  SPAN_IDENTITY_DELEGATE,
  SPAN_IDENTITY_ISSUE,
  SPAN_IDENTITY_REVOKE,
  SPAN_POLICY_RELOAD,
} from './attributes.js';
export type {
  AppendOptions,
  AppendReceipt,
  AuditChain,
  AuditChainOptions,
  ChainEntry,
  ChainRecordType,
} from './audit-chain.js';
export { createAuditChain } from './audit-chain.js';
export { AuditChainError } from './audit-chain-error.js';
export type { AuditEventOptions } from './audit-event.js';
export { auditEvent } from './audit-event.js';
export type { DecisionObserver, OtelRecorderOptions } from './create-otel-recorder.js';
export { createOtelRecorder } from './create-otel-recorder.js';
export type { ContentRedactor, RedactionContext } from './field-redactor.js';
export { createFieldRedactor, REDACTED } from './field-redactor.js';
export type { FileChainStoreOptions } from './file-chain-store.js';
export { createFileChainStore } from './file-chain-store.js';
export type { MemoryChainStore } from './memory-chain-store.js';
export { createMemoryChainStore } from './memory-chain-store.js';
export type { ApprovalEvent } from './record-approval-span.js';
export { recordApprovalSpan } from './record-approval-span.js';
export type { IdentityEvent } from './record-identity-span.js';
export { recordIdentitySpan } from './record-identity-span.js';
export type { PolicyReloadEvent } from './record-policy-reload-span.js';
export { recordPolicyReloadSpan } from './record-policy-reload-span.js';
export type { RetrievalEvent } from './record-retrieval-span.js';
export { recordRetrievalSpan } from './record-retrieval-span.js';
export type { SecretRedactorOptions } from './secret-redactor.js';
export { createSecretRedactor, isSecretFieldName } from './secret-redactor.js';
export type { AuditChainVerification, ChainProblem, VerifyAuditChainOptions } from './verify-audit-chain.js';
export { verifyAuditChain } from './verify-audit-chain.js';
