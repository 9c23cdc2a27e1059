import type { ActionRequest, Decider, Decision } from '@palisade/core';
import { type CompiledPolicy, compilePolicy } from './internal/compile-policy.js';
import { type EvaluationTrace, evaluate } from './internal/evaluate.js';
import { validateDocument } from './internal/validate-document.js';
import { formatPath } from './parse-policy.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyError } from './policy-error.js';
import type { PolicyExplanation } from './policy-explanation.js';
import type { PolicyPredicate } from './policy-facts.js';

/** Options for `createPolicyEngine`. */
export interface PolicyEngineOptions {
  /** A document from `parsePolicy` or `definePolicy` (validated again here). */
  readonly policy: PolicyDocument;
  /** Code-defined tests that conditions name with `{ predicate: name }`. */
  readonly predicates?: Readonly<Record<string, PolicyPredicate>> | undefined;
}

/** The Policy Engine: decides requests against one policy document (a core `Decider`). */
export interface PolicyEngine extends Decider {
  /** Decides one request. Never throws: any failure inside evaluation is a deny. */
  decide(request: ActionRequest): Decision;
  /** Decides one request and reports every rule considered, matched or not, and why. */
  explain(request: ActionRequest): PolicyExplanation;
  /** The content hash of the policy in force (`sha256:...`), carried by every decision. */
  readonly version: string;
  /** The policy document in force. */
  readonly document: PolicyDocument;
}

/**
 * Creates a policy engine: default deny, a tool catalog, rules indexed by tool, deny overrides approve
 * overrides allow, and an allow only when both the agent and the user it acts for are permitted.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine({ policy: parsePolicy(text, { source: 'policy.yaml' }) });
 * const decision = engine.decide(request); // { effect: 'allow' | 'deny' | 'approve', reason, ruleIds, ... }
 * ```
 */
export function createPolicyEngine(options: PolicyEngineOptions): PolicyEngine {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createPolicyEngine(): options must be an object');
  const predicates = readPredicates(options.predicates);
  const compiled = compileDocument(options.policy, predicates);

  function decide(request: ActionRequest): Decision {
    try {
      return evaluate(compiled, request, undefined, undefined);
    } catch (error) {
      return evaluationFailure(compiled, error);
    }
  }

  function explain(request: ActionRequest): PolicyExplanation {
    const trace: EvaluationTrace = { checks: [], rules: [], permissions: { agent: false, user: false } };
    let decision: Decision;
    try {
      decision = evaluate(compiled, request, undefined, trace);
    } catch (error) {
      decision = evaluationFailure(compiled, error);
      trace.checks.push(decision.reason);
    }
    const tool = typeof request?.name === 'string' ? compiled.tools.get(request.name) : undefined;
    return {
      decision,
      checks: trace.checks,
      rules: trace.rules,
      permissions: trace.permissions,
      skipped: compiled.ruleCount - (tool?.rules.length ?? 0),
    };
  }

  return Object.freeze({ decide, explain, version: compiled.version, document: compiled.document });
}

/** Validates (again) and compiles a document; an invalid one throws `PolicyError`. */
export function compileDocument(
  policy: PolicyDocument,
  predicates: ReadonlyMap<string, PolicyPredicate>,
): CompiledPolicy {
  if (typeof policy !== 'object' || policy === null)
    throw new TypeError('createPolicyEngine(): options.policy must be a policy document');
  let copy: unknown;
  try {
    copy = structuredClone(policy);
  } catch (error) {
    throw new PolicyError([{ path: '(root)', message: 'expected plain JSON data' }], { cause: error });
  }
  const result = validateDocument(copy);
  if (!result.ok)
    throw new PolicyError(
      result.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    );
  return compilePolicy(deepFreeze(result.document), predicates);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function readPredicates(predicates: PolicyEngineOptions['predicates']): ReadonlyMap<string, PolicyPredicate> {
  if (predicates === undefined) return new Map();
  if (typeof predicates !== 'object' || predicates === null) {
    throw new TypeError('createPolicyEngine(): options.predicates must be an object of functions');
  }
  const map = new Map<string, PolicyPredicate>();
  for (const [name, fn] of Object.entries(predicates)) {
    if (typeof fn !== 'function')
      throw new TypeError(`createPolicyEngine(): options.predicates.${name} must be a function`);
    map.set(name, fn);
  }
  return map;
}

function evaluationFailure(policy: CompiledPolicy, error: unknown): Decision {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    effect: 'deny',
    reason: `policy evaluation failed, so the request is denied (${detail})`,
    ruleIds: [],
    policyVersion: policy.version,
    obligations: [],
  };
}
