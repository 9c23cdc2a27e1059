export type {
  BehaviourAlert,
  BehaviourMonitor,
  BehaviourMonitorEvents,
  BehaviourMonitorOptions,
} from './behaviour-monitor.js';
export { createBehaviourMonitor } from './behaviour-monitor.js';
export { definePolicy } from './define-policy.js';
export { EgressDeniedError } from './egress-denied-error.js';
export type { GuardedFetch, GuardedFetchOptions, ResolvedAddress } from './guarded-fetch.js';
export { createGuardedFetch } from './guarded-fetch.js';
export { LimitExceededError } from './limit-exceeded-error.js';
export type { PolicyLintFinding, PolicyLintStep } from './lint-policy.js';
export { lintPolicy } from './lint-policy.js';
export type { MemoryCounterStore, MemoryCounterStoreOptions } from './memory-counter-store.js';
export { createMemoryCounterStore } from './memory-counter-store.js';
export type { ParsePolicyOptions } from './parse-policy.js';
export { parsePolicy } from './parse-policy.js';
export type {
  ApprovalMode,
  Comparison,
  Condition,
  Duration,
  EgressRule,
  JsonValue,
  LimitDimension,
  Operand,
  PolicyBreaker,
  PolicyDocument,
  PolicyLimit,
  PolicyRule,
  ProvenanceSource,
  RuleEffect,
  Sensitivity,
  ToolEntry,
  ToolTrust,
} from './policy-document.js';
export type { PolicyEngine, PolicyEngineOptions } from './policy-engine.js';
export { createPolicyEngine } from './policy-engine.js';
export type { PolicyIssue } from './policy-error.js';
export { formatPolicyIssue, PolicyError } from './policy-error.js';
export type { PolicyExplanation, RuleTrace } from './policy-explanation.js';
export type { PolicyFacts, PolicyPredicate, ResourceFacts } from './policy-facts.js';
export type { AuditTrailRecord, ReplayChange, ReplayReport } from './policy-replay.js';
export { replayAuditTrail } from './policy-replay.js';
export type {
  PolicyTestCase,
  PolicyTestResult,
  PolicyTestSuite,
  RequestSpec,
  TestExpectation,
} from './policy-test-suite.js';
export { parsePolicyTests, requestFromSpec, runPolicyTests } from './policy-test-suite.js';
export type { PolicyProfile } from './recommended-profile.js';
export {
  applyProfile,
  parseProfile,
  RECOMMENDED_PROFILE,
  recommendedProfile,
} from './recommended-profile.js';
export type {
  CompositeRiskScorer,
  RiskScorerOptions,
  RiskSignalProvider,
  RiskSignalScore,
} from './risk-scorer.js';
export { createRiskScorer } from './risk-scorer.js';
