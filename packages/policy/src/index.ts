export { definePolicy } from './define-policy.js';
export type { ParsePolicyOptions } from './parse-policy.js';
export { parsePolicy } from './parse-policy.js';
export type {
  ApprovalMode,
  Comparison,
  Condition,
  JsonValue,
  Operand,
  PolicyDocument,
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
