import { isPersistentEffect } from '@palisade/core';
import { isExternal } from './internal/containment.js';
import { compileGlob, hasWildcard, unescapeGlob } from './internal/glob.js';
import { formatPath, locatePolicyPaths, type ParsePolicyOptions, parsePolicy } from './parse-policy.js';
import type { EgressRule, PolicyDocument, PolicyRule, ToolEntry } from './policy-document.js';

/** One step of a flow the lint found: a tool and the allow rule that lets the agent reach it. */
export interface PolicyLintStep {
  /** The tool; `fetch` for outbound HTTP allowed by an egress rule. */
  readonly tool: string;
  readonly ruleId: string;
  /** Where the rule is in the document (`rules[3]`, `egress[0]`). */
  readonly path: string;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/**
 * An agent that may, in one session, take in untrusted text, read sensitive data and reach an
 * external sink, with neither a deny nor an approval between them.
 */
export interface PolicyLintFinding {
  /** The agent, as the allow rules name it (an id or a glob). */
  readonly agent: string;
  /** The untrusted tools it may read. */
  readonly untrusted: readonly PolicyLintStep[];
  /** The tools it may read that return labelled data. */
  readonly sensitive: readonly PolicyLintStep[];
  /** The data labels those tools return. */
  readonly labels: readonly string[];
  /** The external sink it may reach unguarded. */
  readonly sink: PolicyLintStep;
  /** One line: `file:line:col agent ...: may read untrusted text (...) ... with neither a deny nor an approval between them`. */
  readonly message: string;
}

/** Keys and comparisons that make a condition a containment check. */
const CONTAINMENT_KEYS: ReadonlySet<string> = new Set([
  'context.labels',
  'critical',
  'from',
  'carries',
  'embeds',
  'providedBy',
]);

type Subject = Pick<PolicyRule, 'agents' | 'users' | 'roles' | 'autonomous'>;

/**
 * The flow lint: every agent that may, in one session, take in untrusted text (an allowed
 * `trust: untrusted` tool), read sensitive data (an allowed tool with `output.labels`) and reach an
 * external sink (an allowed `external` tool, by default every `send`, or outbound HTTP an egress
 * rule allows) with neither a deny nor an approval between them. Given policy text, each step
 * carries the file, line and column of its rule.
 *
 * A sink is guarded when it needs a human anyway (a persistent effect whose approval no pair of
 * allow rules waives, or `approval: required`), when a deny or approve rule that can apply to it
 * and to the agent has no condition or one that reads session labels or provenance, or when every
 * allow rule giving the agent the sink has such a condition.
 *
 * @example
 * ```ts
 * const findings = lintPolicy(await readFile('policy.yaml', 'utf8'), { source: 'policy.yaml' });
 * for (const finding of findings) console.log(finding.message);
 * ```
 */
export function lintPolicy(
  policy: PolicyDocument | string,
  options: ParsePolicyOptions = {},
): PolicyLintFinding[] {
  const text = typeof policy === 'string' ? policy : undefined;
  const document = text === undefined ? (policy as PolicyDocument) : parsePolicy(text, options);
  if (typeof document !== 'object' || document === null || typeof document.tools !== 'object') {
    throw new TypeError('lintPolicy(): expected a policy document or policy text');
  }
  const raw = collect(document);
  if (raw.length === 0) return [];
  const positions =
    text === undefined
      ? undefined
      : locatePolicyPaths(
          text,
          raw.flatMap((finding) =>
            [finding.sink, ...finding.untrusted, ...finding.sensitive].map((step) => step.at),
          ),
        );
  let next = 0;
  const file = options.source;
  const place = (step: RawStep): PolicyLintStep => {
    const position = positions?.[next];
    next += 1;
    return {
      tool: step.tool,
      ruleId: step.ruleId,
      path: formatPath(step.at),
      ...(file === undefined ? {} : { file }),
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
    };
  };
  return raw.map((finding) => {
    const sink = place(finding.sink);
    const untrusted = finding.untrusted.map(place);
    const sensitive = finding.sensitive.map(place);
    const where = (step: PolicyLintStep) =>
      `${step.path}${locationText(step) ? ` ${locationText(step)}` : ''}`;
    const steps = (list: readonly PolicyLintStep[]) =>
      list.map((step) => `${step.tool}, ${where(step)}`).join('; ');
    const prefix = locationText(sink) ?? sink.path;
    return {
      agent: finding.agent,
      untrusted,
      sensitive,
      labels: finding.labels,
      sink,
      message:
        `${prefix} agent ${finding.agent}: may read untrusted text (${steps(untrusted)}), ` +
        `read data labelled ${finding.labels.join(', ')} (${steps(sensitive)}) and reach ${sink.tool} ` +
        `(${where(sink)}) with neither a deny nor an approval between them`,
    };
  });
}

function locationText(step: PolicyLintStep): string | undefined {
  if (step.line === undefined) return step.file;
  return `${step.file ?? '<policy>'}:${step.line}:${step.column ?? 1}`;
}

interface RawStep {
  readonly tool: string;
  readonly ruleId: string;
  readonly at: readonly (string | number)[];
}

interface RawFinding {
  readonly agent: string;
  readonly untrusted: readonly RawStep[];
  readonly sensitive: readonly RawStep[];
  readonly labels: readonly string[];
  readonly sink: RawStep;
}

function collect(document: PolicyDocument): RawFinding[] {
  const tools = Object.entries(document.tools) as [string, ToolEntry][];
  const rules = document.rules.map((rule, index) => ({ rule, at: ['rules', index] as const }));
  const egress = (document.egress ?? []).map((rule, index) => ({ rule, at: ['egress', index] as const }));
  const agents = new Set<string>();
  for (const { rule } of rules)
    if (rule.effect === 'allow') for (const agent of rule.agents ?? []) agents.add(agent);
  const findings: RawFinding[] = [];
  for (const agent of agents) {
    const reach = (name: string, entry: ToolEntry): RawStep | undefined => {
      const granting = rules.filter(
        ({ rule }) => rule.effect === 'allow' && selects(rule, name, entry) && names(rule.agents, agent),
      );
      const userSide = rules.some(
        ({ rule }) =>
          rule.effect === 'allow' &&
          selects(rule, name, entry) &&
          hasUserSide(rule) &&
          (rule.agents === undefined || names(rule.agents, agent)),
      );
      if (!userSide) return undefined;
      const first = granting[0];
      // A tool that needs a task grant may be granted to any agent at run time.
      if (first === undefined) {
        if (entry.grant !== 'required') return undefined;
        const userRule = rules.find(
          ({ rule }) => rule.effect === 'allow' && selects(rule, name, entry) && hasUserSide(rule),
        );
        return userRule && { tool: name, ruleId: userRule.rule.id, at: userRule.at };
      }
      return { tool: name, ruleId: first.rule.id, at: first.at };
    };
    const untrusted: RawStep[] = [];
    const sensitive: RawStep[] = [];
    const labels = new Set<string>();
    const sinks: RawStep[] = [];
    for (const [name, entry] of tools) {
      const step = reach(name, entry);
      if (step === undefined) continue;
      if (entry.trust === 'untrusted') untrusted.push(step);
      if ((entry.output?.labels?.length ?? 0) > 0) {
        sensitive.push(step);
        for (const label of entry.output?.labels ?? []) labels.add(label);
      }
      if (isExternal(entry) && !toolGuarded(name, entry, agent, rules)) sinks.push(step);
    }
    const egressAllow = egress.filter(({ rule }) => rule.effect === 'allow' && appliesTo(rule, agent));
    const egressFirst = egressAllow[0];
    if (egressFirst !== undefined && !egressGuarded(agent, egress)) {
      sinks.push({ tool: 'fetch', ruleId: egressFirst.rule.id, at: egressFirst.at });
    }
    if (untrusted.length === 0 || sensitive.length === 0) continue;
    for (const sink of sinks) {
      findings.push({ agent, untrusted, sensitive, labels: [...labels].sort(), sink });
    }
  }
  return findings;
}

function toolGuarded(
  name: string,
  entry: ToolEntry,
  agent: string,
  rules: readonly { rule: PolicyRule; at: readonly (string | number)[] }[],
): boolean {
  const selecting = rules.filter(({ rule }) => selects(rule, name, entry));
  // A deny or approve rule between: unconditional, or conditioned on labels or provenance.
  if (
    selecting.some(
      ({ rule }) =>
        rule.effect !== 'allow' &&
        (rule.agents === undefined || names(rule.agents, agent)) &&
        (rule.when === undefined || isContainment(rule.when, 0)),
    )
  ) {
    return true;
  }
  const allows = selecting.filter(({ rule }) => rule.effect === 'allow');
  if (allows.some(({ rule }) => rule.approval === 'required' && rule.when === undefined)) return true;
  const agentSide = allows.filter(({ rule }) => names(rule.agents, agent));
  if (
    agentSide.length > 0 &&
    agentSide.every(({ rule }) => rule.when !== undefined && isContainment(rule.when, 0))
  )
    return true;
  if (!isPersistentEffect(entry.effect)) return false;
  // A persistent effect runs without a human only when both permissions come with `approval: none`.
  const agentWaived = agentSide.some(({ rule }) => rule.approval === 'none');
  const userWaived = allows.some(
    ({ rule }) =>
      rule.approval === 'none' &&
      hasUserSide(rule) &&
      (rule.agents === undefined || names(rule.agents, agent)),
  );
  return !(agentWaived && userWaived);
}

function egressGuarded(
  agent: string,
  egress: readonly { rule: EgressRule; at: readonly (string | number)[] }[],
): boolean {
  const applying = egress.filter(({ rule }) => appliesTo(rule, agent));
  if (
    applying.some(
      ({ rule }) => rule.effect === 'deny' && rule.when !== undefined && isContainment(rule.when, 0),
    )
  )
    return true;
  const allows = applying.filter(({ rule }) => rule.effect === 'allow');
  return (
    allows.length > 0 && allows.every(({ rule }) => rule.when !== undefined && isContainment(rule.when, 0))
  );
}

function appliesTo(rule: Subject, agent: string): boolean {
  return rule.agents === undefined || names(rule.agents, agent);
}

function hasUserSide(rule: Subject): boolean {
  return rule.users !== undefined || rule.roles !== undefined || rule.autonomous === true;
}

/** Whether a list of agent globs names `agent` (itself an id or a glob, taken literally). */
function names(patterns: readonly string[] | undefined, agent: string): boolean {
  if (patterns === undefined) return false;
  return patterns.some((pattern) => pattern === agent || compileGlob(pattern)(agent));
}

/** Whether a rule's static matchers can select a catalog tool (as the compiler indexes rules). */
function selects(rule: PolicyRule, name: string, entry: ToolEntry): boolean {
  if (rule.tools !== undefined) {
    const listed = rule.tools.some((pattern) =>
      hasWildcard(pattern) ? compileGlob(pattern)(name) : unescapeGlob(pattern) === name,
    );
    if (!listed) return false;
  }
  if (rule.effects !== undefined && !rule.effects.includes(entry.effect)) return false;
  if (rule.kinds !== undefined && !rule.kinds.includes(entry.kind ?? 'tool')) return false;
  if (rule.targets !== undefined && entry.target !== undefined) {
    const target = entry.target;
    if (!rule.targets.some((pattern) => compileGlob(pattern)(target))) return false;
  }
  return true;
}

/** Whether a condition reads session labels or provenance anywhere. */
function isContainment(condition: unknown, depth: number): boolean {
  if (typeof condition !== 'object' || condition === null || depth > 64) return false;
  if (Array.isArray(condition)) return condition.some((item) => isContainment(item, depth + 1));
  for (const [key, value] of Object.entries(condition)) {
    if (CONTAINMENT_KEYS.has(key) || isContainment(value, depth + 1)) return true;
  }
  return false;
}
