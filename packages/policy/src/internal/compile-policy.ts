import { createHash } from 'node:crypto';
import {
  type ActionKind,
  canonicalJson,
  isPersistentEffect,
  type Obligation,
  type Principal,
} from '@palisade/core';
import type {
  ApprovalMode,
  EgressRule,
  LimitDimension,
  PolicyDocument,
  PolicyLimit,
  PolicyRule,
  RuleEffect,
  ToolEntry,
} from '../policy-document.js';
import type { PolicyPredicate, ResourceFacts } from '../policy-facts.js';
import { type CidrRange, parseCidr } from './address.js';
import { type CompiledCondition, type ConditionEnvironment, compileCondition } from './condition.js';
import { criticalArgumentNames, isExternal, toolObligations, usesProvenance } from './containment.js';
import { durationMs } from './duration.js';
import { compileGlob, hasWildcard, unescapeGlob } from './glob.js';
import { compileNames, compileUserSide, type NameMatcher } from './matchers.js';
import { compileRead, parsePath } from './path.js';
import { buildRuleIndex, type IndexedRule, type RuleIndex } from './rule-index.js';

/** A rule ready to evaluate. */
export interface CompiledRule {
  readonly id: string;
  /** Position in the document; rules are evaluated in document order. */
  readonly index: number;
  readonly effect: RuleEffect;
  readonly approval: ApprovalMode;
  /** Undefined when the rule names no agents. */
  readonly agents: NameMatcher | undefined;
  /** Undefined when the rule names no users, roles or autonomous. */
  readonly user: ((principal: Principal) => boolean) | undefined;
  /** A check on the request's target, only when the catalog leaves the target open. */
  readonly targets: NameMatcher | undefined;
  readonly when: CompiledCondition | undefined;
  readonly reason: string | undefined;
  /** Set on rules made from a task grant: the grant's id. */
  readonly grant?: string | undefined;
  /** `[id]`, shared by every decision this rule makes alone. */
  readonly ids: readonly string[];
  /** The reasons this rule gives when it decides, computed once. */
  readonly allowReason: string;
  readonly denyReason: string;
  readonly approveReason: string;
}

/** A limit ready to evaluate. */
export interface CompiledLimit {
  readonly id: string;
  readonly agents: NameMatcher | undefined;
  readonly user: ((principal: Principal) => boolean) | undefined;
  readonly when: CompiledCondition | undefined;
  readonly per: readonly LimitDimension[];
  readonly windowMs: number;
  readonly max: number;
  /** Reads the amount to add; undefined counts 1 per call. */
  readonly sum: ((facts: unknown) => unknown) | undefined;
  readonly sumPath: string | undefined;
}

/** An egress rule ready to evaluate. */
export interface CompiledEgressRule {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly schemes: ReadonlySet<string> | undefined;
  readonly hosts: NameMatcher | undefined;
  readonly ports: ReadonlySet<number> | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly paths: readonly string[] | undefined;
  readonly addresses: readonly CidrRange[] | undefined;
  readonly agents: NameMatcher | undefined;
  readonly user: ((principal: Principal) => boolean) | undefined;
  readonly when: CompiledCondition | undefined;
  readonly reason: string | undefined;
}

/** The breaker settings, in milliseconds. */
export interface CompiledBreaker {
  readonly denials: number | undefined;
  readonly windowMs: number;
  readonly risk: number | undefined;
}

/** A catalog tool with the rules that can apply to it, in document order. */
export interface CompiledTool {
  readonly name: string;
  readonly entry: ToolEntry;
  readonly kind: ActionKind;
  /** The resource facts when the catalog fixes the target (else built per request). */
  readonly resource: ResourceFacts;
  readonly rules: readonly CompiledRule[];
  /** The same rules indexed by agent, user or role, and team: what a decision looks at. */
  readonly index: RuleIndex;
  /** Only task grants give the agent permission for this tool. */
  readonly grantRequired: boolean;
  /** The effect persists something (needs approval unless waived). */
  readonly persistent: boolean;
  /** The obligations every allowed call carries (the session label of untrusted tools). */
  readonly obligations: readonly Obligation[];
  readonly limits: readonly CompiledLimit[];
}

/** A policy compiled for evaluation: the rules indexed by tool name. */
export interface CompiledPolicy {
  readonly document: PolicyDocument;
  readonly version: string;
  readonly tools: ReadonlyMap<string, CompiledTool>;
  readonly ruleCount: number;
  readonly egress: readonly CompiledEgressRule[];
  readonly breaker: CompiledBreaker | undefined;
  /** How conditions were compiled, so task grants can compile theirs the same way. */
  readonly environment: ConditionEnvironment;
}

/** Fills in the parts of a rule computed once: its id list and the reasons it gives. */
export function withReasons(
  rule: Omit<CompiledRule, 'ids' | 'allowReason' | 'denyReason' | 'approveReason'>,
): CompiledRule {
  return {
    ...rule,
    ids: Object.freeze([rule.id]),
    allowReason: rule.reason ?? `allowed by rule "${rule.id}"`,
    denyReason: rule.reason ?? `denied by rule "${rule.id}"`,
    approveReason: rule.reason ?? `rule "${rule.id}" requires approval`,
  };
}

/** The content hash of a document: `sha256:` and the hex digest of its RFC 8785 canonical form. */
export function hashDocument(document: PolicyDocument): string {
  return `sha256:${createHash('sha256').update(canonicalJson(document)).digest('hex')}`;
}

/**
 * Compiles a validated document. Each rule is attached to every catalog tool its static matchers
 * (`tools`, `effects`, `kinds`, and `targets` when the catalog fixes the target) can select, and
 * under each tool indexed by its subjects, so a decision only ever looks at the rules of the
 * requested tool that can apply to the requester. Conditions are compiled once per rule.
 */
export function compilePolicy(
  document: PolicyDocument,
  predicates: ReadonlyMap<string, PolicyPredicate>,
): CompiledPolicy {
  const environment: ConditionEnvironment = {
    predicates,
    sources: document.sources ?? {},
    criticalArguments: criticalArgumentNames(document),
  };
  const recordProvenance = usesProvenance(document);
  const toolNames = Object.keys(document.tools);
  const perTool = new Map<string, IndexedRule[]>(toolNames.map((name) => [name, []]));
  document.rules.forEach((rule, index) => {
    const compiled = compileRule(rule, index, environment);
    for (const name of selectTools(rule, toolNames)) {
      const entry = document.tools[name] as ToolEntry;
      if (rule.effects && !rule.effects.includes(entry.effect)) continue;
      if (rule.kinds && !rule.kinds.includes(entry.kind ?? 'tool')) continue;
      if (rule.targets && entry.target !== undefined && !compiled.targets?.(entry.target)) continue;
      perTool.get(name)?.push({
        compiled: entry.target === undefined ? compiled : { ...compiled, targets: undefined },
        source: rule,
      });
    }
  });
  const limitsPerTool = new Map<string, CompiledLimit[]>(toolNames.map((name) => [name, []]));
  for (const limit of document.limits ?? []) {
    const compiled = compileLimit(limit, environment);
    for (const name of selectTools(limit, toolNames)) limitsPerTool.get(name)?.push(compiled);
  }
  const tools = new Map<string, CompiledTool>();
  for (const name of toolNames) {
    const entry = document.tools[name] as ToolEntry;
    const resource: ResourceFacts = Object.freeze({
      name,
      kind: entry.kind ?? 'tool',
      effect: entry.effect,
      target: entry.target,
      sensitivity: entry.sensitivity,
      trust: entry.trust ?? 'trusted',
      critical: entry.critical,
      labels: entry.output?.labels,
      external: isExternal(entry),
    });
    const rules = perTool.get(name) ?? [];
    tools.set(name, {
      name,
      entry,
      kind: entry.kind ?? 'tool',
      resource,
      rules: rules.map((item) => item.compiled),
      index: buildRuleIndex(rules),
      grantRequired: entry.grant === 'required',
      persistent: isPersistentEffect(entry.effect),
      obligations: toolObligations(entry, recordProvenance),
      limits: limitsPerTool.get(name) ?? [],
    });
  }
  const breaker = document.breaker
    ? {
        denials: document.breaker.denials,
        windowMs: durationMs(document.breaker.window ?? '10m'),
        risk: document.breaker.risk,
      }
    : undefined;
  return {
    document,
    version: hashDocument(document),
    tools,
    ruleCount: document.rules.length,
    egress: (document.egress ?? []).map((rule) => compileEgressRule(rule, environment)),
    breaker,
    environment,
  };
}

function compileLimit(limit: PolicyLimit, environment: ConditionEnvironment): CompiledLimit {
  let sum: CompiledLimit['sum'];
  if (limit.sum !== undefined) {
    const parsed = parsePath(limit.sum);
    if (!parsed.ok) throw new TypeError(parsed.message);
    sum = compileRead(parsed.segments);
  }
  return {
    id: limit.id,
    agents: limit.agents ? compileNames(limit.agents) : undefined,
    user: compileUserSide(limit),
    when: limit.when ? compileCondition(limit.when, environment) : undefined,
    per: limit.per ?? ['agent'],
    windowMs: durationMs(limit.window ?? '30d'),
    max: limit.max,
    sum,
    sumPath: limit.sum,
  };
}

function compileEgressRule(rule: EgressRule, environment: ConditionEnvironment): CompiledEgressRule {
  return {
    id: rule.id,
    effect: rule.effect,
    schemes: rule.schemes ? new Set(rule.schemes) : undefined,
    hosts: rule.hosts ? compileNames(rule.hosts.map((host) => host.toLowerCase())) : undefined,
    ports: rule.ports ? new Set(rule.ports) : undefined,
    methods: rule.methods ? new Set(rule.methods) : undefined,
    paths: rule.paths,
    addresses: rule.addresses?.map((range) => parseCidr(range) as CidrRange),
    agents: rule.agents ? compileNames(rule.agents) : undefined,
    user: compileUserSide(rule),
    when: rule.when ? compileCondition(rule.when, environment) : undefined,
    reason: rule.reason,
  };
}

function selectTools(
  rule: { readonly tools?: readonly string[] | undefined },
  toolNames: readonly string[],
): readonly string[] {
  if (!rule.tools) return toolNames;
  const selected = new Set<string>();
  for (const pattern of rule.tools) {
    if (hasWildcard(pattern)) {
      const match = compileGlob(pattern);
      for (const name of toolNames) if (match(name)) selected.add(name);
    } else {
      selected.add(unescapeGlob(pattern));
    }
  }
  return [...selected];
}

function compileRule(
  rule: PolicyRule,
  index: number,
  environment: Parameters<typeof compileCondition>[1],
): CompiledRule {
  return withReasons({
    id: rule.id,
    index,
    effect: rule.effect,
    approval: rule.approval ?? 'auto',
    agents: rule.agents ? compileNames(rule.agents) : undefined,
    user: compileUserSide(rule),
    targets: rule.targets ? compileNames(rule.targets) : undefined,
    when: rule.when ? compileCondition(rule.when, environment) : undefined,
    reason: rule.reason,
  });
}
