import type { ActionRequest, CounterStore, Decider, Decision, ObligationHandler } from '@palisade/core';
import { type BreakerState, createBreakerState, type Quarantine } from './internal/breaker-state.js';
import { type CompiledPolicy, compilePolicy } from './internal/compile-policy.js';
import { createEmitter } from './internal/emitter.js';
import { type EvaluationTrace, evaluate } from './internal/evaluate.js';
import { createGrantRegistry } from './internal/grant-registry.js';
import { validateDocument } from './internal/validate-document.js';
import { LimitExceededError } from './limit-exceeded-error.js';
import { createMemoryCounterStore } from './memory-counter-store.js';
import { formatPath, type ParsePolicyOptions, parsePolicy } from './parse-policy.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyError } from './policy-error.js';
import type { PolicyExplanation } from './policy-explanation.js';
import type { PolicyPredicate } from './policy-facts.js';
import type { TaskGrants } from './task-grant.js';

export type { Quarantine } from './internal/breaker-state.js';

/** Options for `createPolicyEngine`. */
export interface PolicyEngineOptions {
  /** A document from `parsePolicy` or `definePolicy` (validated again here). */
  readonly policy: PolicyDocument;
  /** Code-defined tests that conditions name with `{ predicate: name }`. */
  readonly predicates?: Readonly<Record<string, PolicyPredicate>> | undefined;
  /** Where limit counters live (default: in memory, per process). */
  readonly counters?: CounterStore | undefined;
  /** A candidate policy evaluated beside the enforced one, in shadow mode. */
  readonly shadow?: PolicyDocument | undefined;
  /** How many shadow differences are kept (oldest dropped first). Default 1000. */
  readonly maxShadowDifferences?: number | undefined;
  /** The longest lifetime a task grant may have, in milliseconds. Default 24 hours. */
  readonly maxGrantTtlMs?: number | undefined;
  /**
   * The most task grants in force at once. Default 10,000. Expired grants are dropped; at the cap,
   * `grants.issue()` throws `StoreFullError` rather than the registry growing.
   */
  readonly maxGrants?: number | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** A request the candidate policy would decide differently from the enforced one. */
export interface ShadowDifference {
  readonly request: ActionRequest;
  readonly enforced: Decision;
  readonly candidate: Decision;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** The outcome of `reload` or `shadow.set`: the new version, or the errors and the version still in force. */
export type ReloadResult =
  | { readonly ok: true; readonly version: string; readonly previous: string | undefined }
  | { readonly ok: false; readonly error: PolicyError; readonly version: string | undefined };

/** Events an engine emits. */
export interface PolicyEngineEvents {
  /** The circuit breaker quarantined an agent. */
  readonly 'breaker-trip': Quarantine;
  readonly 'shadow-difference': ShadowDifference;
  readonly 'policy-reload': { readonly version: string; readonly previous: string };
  readonly 'limit-exceeded': {
    readonly limit: string;
    readonly key: string;
    readonly agent: string;
    readonly total: number;
    readonly amount: number;
    readonly max: number;
  };
  [name: string]: unknown;
}

/** The circuit breaker of an engine. */
export interface CircuitBreaker {
  /** The agent's quarantine, if it is quarantined. */
  status(agent: string): Quarantine | undefined;
  /** Quarantines an agent now (for example on an alert of the behaviour monitor). */
  trip(agent: string, reason: string): Quarantine;
  /** Lifts a quarantine; false when the agent was not quarantined. */
  reset(agent: string): boolean;
  list(): readonly Quarantine[];
}

/** The outcome of `shadow.set`: the candidate's version (none once removed), or the errors. */
export type ShadowSetResult =
  | { readonly ok: true; readonly version: string | undefined; readonly previous: string | undefined }
  | { readonly ok: false; readonly error: PolicyError; readonly version: string | undefined };

/** Shadow mode: a candidate policy decided beside the enforced one, never enforced. */
export interface ShadowMode {
  /** Sets (or, with `undefined`, removes) the candidate. A malformed one is rejected with its errors. */
  set(policy: PolicyDocument | string | undefined, options?: ParsePolicyOptions): ShadowSetResult;
  /** The candidate's version, when one is set. */
  readonly version: string | undefined;
  /** The differences recorded so far, oldest first. */
  differences(): readonly ShadowDifference[];
  clear(): void;
}

/** The Policy Engine: decides requests against one policy document (a core `Decider`). */
export interface PolicyEngine extends Decider {
  /** Decides one request. Never throws: any failure inside evaluation is a deny. */
  decide(request: ActionRequest): Decision;
  /** Decides one request without side effects and reports every rule considered, matched or not, and why. */
  explain(request: ActionRequest): PolicyExplanation;
  /** The content hash of the policy in force (`sha256:...`), carried by every decision. */
  readonly version: string;
  /** The policy document in force. */
  readonly document: PolicyDocument;
  /** Replaces the policy atomically; a malformed one is rejected with its errors and the old one stays. */
  reload(policy: PolicyDocument | string, options?: ParsePolicyOptions): ReloadResult;
  /** Just-in-time task grants (the Policy Administrator's side). */
  readonly grants: TaskGrants;
  readonly breaker: CircuitBreaker;
  readonly shadow: ShadowMode;
  /**
   * The obligation handlers the engine's decisions need beyond core's `label-session`: give them to
   * `guard()` as `enforcement.obligations`. `consume-limit` counts the call against its limit just
   * before the body runs, and refuses it with `LimitExceededError` when the limit would be passed.
   */
  obligationHandlers(): Readonly<Record<string, ObligationHandler>>;
  on<Name extends keyof PolicyEngineEvents & string>(
    name: Name,
    listener: (event: PolicyEngineEvents[Name]) => void,
  ): () => void;
}

const DAY_MS = 86_400_000;

/**
 * Creates a policy engine: default deny, a tool catalog, rules indexed by tool, deny overrides approve
 * overrides allow, an allow only when both the agent and the user it acts for are permitted; plus
 * task grants, limits, a circuit breaker, shadow mode and atomic reload.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine({ policy: parsePolicy(text, { source: 'policy.yaml' }) });
 * const decision = engine.decide(request); // { effect: 'allow' | 'deny' | 'approve', reason, ruleIds, ... }
 * guard(tool, { decider: engine, obligations: engine.obligationHandlers(), ... });
 * ```
 */
export function createPolicyEngine(options: PolicyEngineOptions): PolicyEngine {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createPolicyEngine(): options must be an object');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createPolicyEngine(): options.now must be a function');
  const counters = options.counters ?? createMemoryCounterStore({ now });
  if (typeof counters.consume !== 'function')
    throw new TypeError('createPolicyEngine(): options.counters must be a CounterStore');
  const maxShadow = options.maxShadowDifferences ?? 1000;
  if (!Number.isInteger(maxShadow) || maxShadow < 0) {
    throw new TypeError('createPolicyEngine(): options.maxShadowDifferences must be a non-negative integer');
  }
  const maxGrantTtlMs = options.maxGrantTtlMs ?? DAY_MS;
  if (!Number.isFinite(maxGrantTtlMs) || maxGrantTtlMs <= 0) {
    throw new TypeError('createPolicyEngine(): options.maxGrantTtlMs must be a positive number');
  }
  const maxGrants = options.maxGrants ?? 10_000;
  if (!Number.isSafeInteger(maxGrants) || maxGrants < 1)
    throw new TypeError('createPolicyEngine(): options.maxGrants must be a positive integer');
  const predicates = readPredicates(options.predicates);

  // The compiled policy in force is replaced by one assignment: a decision sees the old one or the new one.
  let enforced = compileDocument(options.policy, predicates);
  let candidate = options.shadow === undefined ? undefined : compileDocument(options.shadow, predicates);
  const differences: ShadowDifference[] = [];
  const events = createEmitter<PolicyEngineEvents>();
  const breakerState: BreakerState = createBreakerState();
  const grants = createGrantRegistry({ now, maxTtlMs: maxGrantTtlMs, maxGrants, current: () => enforced });

  function run(
    policy: CompiledPolicy,
    request: ActionRequest,
    trace: EvaluationTrace | undefined,
    live: boolean,
  ): Decision {
    const agent = request.principal.agent.id;
    const quarantine = breakerState.quarantine(agent);
    if (quarantine) {
      trace?.checks.push(`agent ${agent} is quarantined by the circuit breaker since ${quarantine.since}`);
      return quarantined(policy, quarantine);
    }
    const risk = request.context.risk;
    const threshold = policy.breaker?.risk;
    if (threshold !== undefined && typeof risk === 'number' && risk >= threshold) {
      const reason = `risk ${risk} reached the breaker threshold ${threshold}`;
      trace?.checks.push(`${reason}: the agent would be quarantined`);
      if (!live) return quarantined(policy, { agent, reason, since: now() });
      return quarantined(policy, tripBreaker(agent, reason));
    }
    const extra =
      request.kind === 'egress' ? undefined : grants.rulesFor(policy, request.name, request.principal.task);
    if (trace && extra)
      trace.checks.push(
        `${extra.length} task grant(s) for task ${String(request.principal.task)} cover "${request.name}"`,
      );
    return evaluate(policy, request, extra, trace);
  }

  function tripBreaker(agent: string, reason: string): Quarantine {
    const existing = breakerState.quarantine(agent);
    if (existing) return existing;
    const quarantine = breakerState.trip(agent, reason, now());
    events.emit('breaker-trip', quarantine);
    return quarantine;
  }

  function recordDenial(agent: string): void {
    const config = enforced.breaker;
    if (config?.denials === undefined) return;
    const tripped = breakerState.recordDenial(agent, now(), config);
    if (tripped) events.emit('breaker-trip', tripped);
  }

  function decide(request: ActionRequest): Decision {
    const policy = enforced;
    let decision: Decision;
    try {
      decision = run(policy, request, undefined, true);
      if (decision.effect === 'deny' && decision.ruleIds[0] !== 'breaker')
        recordDenial(request.principal.agent.id);
    } catch (error) {
      decision = evaluationFailure(policy, error);
    }
    const shadowPolicy = candidate;
    if (shadowPolicy) compareShadow(shadowPolicy, request, decision);
    return decision;
  }

  function compareShadow(policy: CompiledPolicy, request: ActionRequest, decision: Decision): void {
    let other: Decision;
    try {
      other = run(policy, request, undefined, false);
    } catch (error) {
      other = evaluationFailure(policy, error);
    }
    if (other.effect === decision.effect) return;
    const difference: ShadowDifference = { request, enforced: decision, candidate: other, at: now() };
    if (maxShadow > 0) {
      differences.push(difference);
      if (differences.length > maxShadow) differences.splice(0, differences.length - maxShadow);
    }
    events.emit('shadow-difference', difference);
  }

  function explain(request: ActionRequest): PolicyExplanation {
    const policy = enforced;
    const trace: EvaluationTrace = { checks: [], rules: [], permissions: { agent: false, user: false } };
    let decision: Decision;
    try {
      decision = run(policy, request, trace, false);
    } catch (error) {
      decision = evaluationFailure(policy, error);
      trace.checks.push(decision.reason);
    }
    const tool =
      request?.kind !== 'egress' && typeof request?.name === 'string'
        ? policy.tools.get(request.name)
        : undefined;
    const considered = request?.kind === 'egress' ? policy.egress.length : (tool?.rules.length ?? 0);
    return {
      decision,
      checks: trace.checks,
      rules: trace.rules,
      permissions: trace.permissions,
      skipped: policy.ruleCount + policy.egress.length - considered,
    };
  }

  function load(
    policy: PolicyDocument | string,
    parseOptions: ParsePolicyOptions | undefined,
  ): CompiledPolicy | PolicyError {
    try {
      const document = typeof policy === 'string' ? parsePolicy(policy, parseOptions) : policy;
      return compileDocument(document, predicates);
    } catch (error) {
      if (PolicyError.isInstance(error)) return error as PolicyError;
      const message = error instanceof Error ? error.message : String(error);
      return new PolicyError([{ file: parseOptions?.source, path: '(root)', message }], { cause: error });
    }
  }

  const consumeLimit: ObligationHandler = {
    async before(obligation, request) {
      const { limit, key, amount, max, windowMs } = obligation as Record<string, unknown>;
      if (
        typeof limit !== 'string' ||
        typeof key !== 'string' ||
        typeof amount !== 'number' ||
        typeof max !== 'number' ||
        typeof windowMs !== 'number'
      ) {
        throw new TypeError('A consume-limit obligation needs limit, key, amount, max and windowMs');
      }
      if (amount === 0) return;
      const result = await counters.consume({ key, amount, limit: max, windowMs, now: now() });
      if (result.allowed) return;
      const agent = request.principal.agent.id;
      events.emit('limit-exceeded', { limit, key, agent, total: result.total, amount, max });
      recordDenial(agent);
      throw new LimitExceededError({
        limit,
        key,
        max,
        total: result.total,
        amount,
        tool: request.name,
        callId: request.callId,
      });
    },
  };

  const engine: PolicyEngine = {
    decide,
    explain,
    get version() {
      return enforced.version;
    },
    get document() {
      return enforced.document;
    },
    reload(policy, parseOptions) {
      const loaded = load(policy, parseOptions);
      if (PolicyError.isInstance(loaded))
        return { ok: false, error: loaded as PolicyError, version: enforced.version };
      const previous = enforced.version;
      enforced = loaded as CompiledPolicy;
      events.emit('policy-reload', { version: enforced.version, previous });
      return { ok: true, version: enforced.version, previous };
    },
    grants: {
      issue: (grant) => grants.issue(grant),
      revoke: (id) => grants.revoke(id),
      revokeTask: (task) => grants.revokeTask(task),
      list: () => grants.list(),
    },
    breaker: {
      status: (agent) => breakerState.quarantine(agent),
      trip(agent, reason) {
        if (typeof agent !== 'string' || agent === '')
          throw new TypeError('breaker.trip(): agent must be an agent id');
        return tripBreaker(agent, String(reason));
      },
      reset: (agent) => breakerState.reset(agent),
      list: () => breakerState.list(),
    },
    shadow: {
      set(policy, parseOptions) {
        const previous = candidate?.version;
        if (policy === undefined) {
          candidate = undefined;
          return { ok: true, version: undefined, previous };
        }
        const loaded = load(policy, parseOptions);
        if (PolicyError.isInstance(loaded))
          return { ok: false, error: loaded as PolicyError, version: previous };
        candidate = loaded as CompiledPolicy;
        return { ok: true, version: candidate.version, previous };
      },
      get version() {
        return candidate?.version;
      },
      differences: () => [...differences],
      clear() {
        differences.length = 0;
      },
    },
    obligationHandlers: () => Object.freeze({ 'consume-limit': consumeLimit }),
    on: (name, listener) => events.on(name, listener),
  };
  return Object.freeze(engine);
}

function quarantined(policy: CompiledPolicy, quarantine: Quarantine): Decision {
  return {
    effect: 'deny',
    reason: `agent ${quarantine.agent} is quarantined by the circuit breaker (${quarantine.reason})`,
    ruleIds: ['breaker'],
    policyVersion: policy.version,
    obligations: [],
  };
}

/** Validates (again) and compiles a document; an invalid one throws `PolicyError`. */
function compileDocument(
  policy: PolicyDocument,
  predicates: ReadonlyMap<string, PolicyPredicate>,
): CompiledPolicy {
  if (typeof policy !== 'object' || policy === null)
    throw new TypeError('createPolicyEngine(): the policy must be a policy document');
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
