export { createCanary } from './canary.js';
export type { ClassifierDetectorOptions } from './classifier-detector.js';
export { createClassifierDetector } from './classifier-detector.js';
export type { RetrievedDocument } from './document.js';
export type { EntityDetector, EntityFinding, EntityType } from './entity.js';
export { ENTITY_TYPES } from './entity.js';
export type { ContentBlockReason } from './errors.js';
export { ContentBlockedError, MemoryWriteDeniedError } from './errors.js';
export type {
  GuardedRetrieval,
  GuardedRetriever,
  GuardRetrieverOptions,
  InjectionAction,
  RetrievalContext,
  RetrievalCounts,
  RetrievalRecord,
  RetrievalRecorder,
  RetrieveFunction,
  RetrieverRequest,
} from './guard-retriever.js';
export { guardRetriever } from './guard-retriever.js';
export type { InjectionCategory, InjectionDetector, InjectionSignal } from './injection.js';
export type {
  MemoryGuard,
  MemoryGuardOptions,
  MemoryItem,
  MemoryStoreLike,
  MemoryView,
} from './memory-guard.js';
export { createMemoryGuard } from './memory-guard.js';
export type {
  OutputAction,
  OutputCheck,
  OutputGuard,
  OutputGuardOptions,
  OutputMessage,
  ToolCallLike,
} from './output-guard.js';
export { createOutputGuard } from './output-guard.js';
export type {
  ClassificationRule,
  DocumentAcl,
  DocumentAclInput,
  PermissionFailure,
  Permissions,
  PermissionsOptions,
  PermissionVerdict,
  PgVectorMetadataFilter,
  PreQueryFilter,
} from './permissions.js';
export { createPermissions, documentAcl } from './permissions.js';
export type {
  ProvenanceCheck,
  ProvenanceCheckOptions,
  ProvenanceFailure,
  ProvenanceRecord,
  ProvenanceVerdict,
  SealOptions,
  SourceRule,
} from './provenance.js';
export { createProvenanceCheck, sealDocument } from './provenance.js';
export type { RedactionMode, RedactionResult, RedactionRule, Redactor, RedactorOptions } from './redactor.js';
export { createRedactor } from './redactor.js';
export { createRuleDetector, scanInjection } from './rule-detector.js';
export type { Screener, ScreenerOptions, ScreeningResult } from './screener.js';
export { combineSignals, createScreener, DEFAULT_SCREENING_THRESHOLD } from './screener.js';
export { spotlight } from './spotlight.js';
export type { SpanAttributeValue, SpanLike, TracerLike } from './telemetry.js';
export type { WebCryptoKey } from './web-crypto-key.js';
