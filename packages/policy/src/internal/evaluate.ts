import type { ActionRequest, Decision, Obligation } from '@palisade/core';
import type { LimitDimension } from '../policy-document.js';
import type { RuleTrace } from '../policy-explanation.js';
import type { PolicyFacts, ResourceFacts } from '../policy-facts.js';
import type { CompiledLimit, CompiledPolicy, CompiledRule, CompiledTool } from './compile-policy.js';
import { evaluateEgress } from './evaluate-egress.js';

/** A check that failed before any rule was looked at (unknown tool, effect mismatch). */
export interface EvaluationTrace {
  readonly checks: string[];
  readonly rules: RuleTrace[];
  permissions: { agent: boolean; user: boolean };
}

const NO_OBLIGATIONS: readonly Obligation[] = Object.freeze([]);
const NO_RULES: readonly string[] = Object.freeze([]);

function deny(policy: CompiledPolicy, reason: string, ruleIds: readonly string[] = NO_RULES): Decision {
  return { effect: 'deny', reason, ruleIds, policyVersion: policy.version, obligations: NO_OBLIGATIONS };
}

/** A rule that applies to the request, with what it said about each permission. */
interface RuleMatch {
  readonly rule: CompiledRule;
  /** The rule grants the agent permission (an allow rule whose agents match, and a grant where needed). */
  readonly grantsAgent: boolean;
  /** The rule's user side matched (undefined when it has none). */
  readonly userOk: boolean | undefined;
  /** The rule applies only because its condition was unknown (deny and approve rules). */
  readonly undecided: boolean;
}

/** The rules that apply, by effect, in document order (then task grants). */
interface Matches {
  readonly denies: RuleMatch[];
  readonly approves: RuleMatch[];
  readonly allows: RuleMatch[];
}

/** The part of a request every rule check reads. */
interface Subject {
  readonly tool: CompiledTool;
  readonly request: ActionRequest;
  readonly resource: ResourceFacts;
  readonly facts: PolicyFacts;
}

/**
 * Decides one request against a compiled policy: deny overrides approve overrides allow, and an
 * allow needs both the agent permission and the user permission; anything else is denied.
 * `trace`, when given, receives every step (used by explain; the decision is the same either way).
 * A decision looks at the tool's indexed candidates; explain scans every rule of the tool, so it
 * can say why each one did not match.
 */
export function evaluate(
  policy: CompiledPolicy,
  request: ActionRequest,
  extra: readonly CompiledRule[] | undefined,
  trace: EvaluationTrace | undefined,
): Decision {
  if (request.kind === 'egress') return evaluateEgress(policy, request, trace);
  const found = catalogTool(policy, request);
  if (typeof found === 'string') {
    trace?.checks.push(found);
    return deny(policy, found);
  }
  const tool = found;
  trace?.checks.push(
    `"${tool.name}" is in the catalog (${tool.entry.effect}${tool.entry.target ? ` on ${tool.entry.target}` : ''})`,
  );
  const subject = subjectOf(tool, request);
  const candidates = trace === undefined ? tool.index.select(subject.facts) : tool.rules;
  return decideMatches(policy, subject, matchRules(subject, candidates, extra, trace), trace);
}

/**
 * The same decision as `evaluate`, made by scanning every rule of the tool instead of the index:
 * the reference the index is tested against.
 */
export function evaluateByScan(
  policy: CompiledPolicy,
  request: ActionRequest,
  extra: readonly CompiledRule[] | undefined,
): Decision {
  if (request.kind === 'egress') return evaluateEgress(policy, request, undefined);
  const found = catalogTool(policy, request);
  if (typeof found === 'string') return deny(policy, found);
  const subject = subjectOf(found, request);
  return decideMatches(policy, subject, matchRules(subject, found.rules, extra, undefined), undefined);
}

/** The catalog entry of the requested tool, or why the request does not fit the catalog. */
function catalogTool(policy: CompiledPolicy, request: ActionRequest): CompiledTool | string {
  const name = request.name;
  const tool = typeof name === 'string' ? policy.tools.get(name) : undefined;
  if (tool === undefined) return `"${String(name)}" is not in the tool catalog`;
  return catalogMismatch(tool, request) ?? tool;
}

function subjectOf(tool: CompiledTool, request: ActionRequest): Subject {
  const resource: ResourceFacts =
    tool.entry.target === undefined && request.target !== undefined
      ? { ...tool.resource, target: request.target }
      : tool.resource;
  const facts: PolicyFacts = {
    input: request.input,
    principal: request.principal,
    resource,
    context: request.context,
    request,
  };
  return { tool, request, resource, facts };
}

/** Runs each candidate rule's checks, then each task grant's, and sorts the ones that apply by effect. */
function matchRules(
  subject: Subject,
  rules: readonly CompiledRule[],
  extra: readonly CompiledRule[] | undefined,
  trace: EvaluationTrace | undefined,
): Matches {
  const matches: Matches = { denies: [], approves: [], allows: [] };
  for (const rule of rules) addMatch(matches, matchRule(rule, subject, trace));
  if (extra !== undefined) for (const rule of extra) addMatch(matches, matchRule(rule, subject, trace));
  if (trace) {
    trace.permissions = {
      agent: matches.allows.some(grantsAgent),
      user: matches.allows.some(grantsUser),
    };
  }
  return matches;
}

function addMatch(matches: Matches, match: RuleMatch | undefined): void {
  if (match === undefined) return;
  const effect = match.rule.effect;
  if (effect === 'deny') matches.denies.push(match);
  else if (effect === 'approve') matches.approves.push(match);
  else matches.allows.push(match);
}

/** Whether one rule applies: its subjects, its target, then its condition. */
function matchRule(
  rule: CompiledRule,
  subject: Subject,
  trace: EvaluationTrace | undefined,
): RuleMatch | undefined {
  const agentOk = rule.agents === undefined ? undefined : rule.agents(subject.request.principal.agent.id);
  const userOk = rule.user === undefined ? undefined : rule.user(subject.request.principal);
  if (agentOk === false || userOk === false) {
    trace?.rules.push(miss(rule, subjectMiss(agentOk, userOk, subject.request)));
    return undefined;
  }
  const target = subject.resource.target;
  if (rule.targets !== undefined && !(target !== undefined && rule.targets(target))) {
    trace?.rules.push(miss(rule, `target ${String(target)} is not listed`));
    return undefined;
  }
  const condition = checkCondition(rule, subject.facts, trace);
  if (condition === undefined) return undefined;
  const match: RuleMatch = {
    rule,
    grantsAgent:
      rule.effect === 'allow' &&
      agentOk === true &&
      (!subject.tool.grantRequired || rule.grant !== undefined),
    userOk,
    undecided: condition.truth === 'unknown',
  };
  trace?.rules.push(matchTrace(match, condition));
  return match;
}

/** How a rule's condition came out, when the rule applies. */
interface ConditionOutcome {
  /** Undefined when the rule has no condition. */
  readonly truth: 'true' | 'unknown' | undefined;
  readonly detail: string;
}

const NO_CONDITION: ConditionOutcome = Object.freeze({ truth: undefined, detail: '' });
const CONDITION_TRUE: ConditionOutcome = Object.freeze({ truth: 'true', detail: '' });
const CONDITION_UNKNOWN: ConditionOutcome = Object.freeze({ truth: 'unknown', detail: '' });

/**
 * The three-valued `when`: an allow rule needs it true; a deny or approve rule also applies when it
 * is unknown (a value missing or of the wrong type), so absence never widens access. Undefined when
 * the rule does not apply.
 */
function checkCondition(
  rule: CompiledRule,
  facts: PolicyFacts,
  trace: EvaluationTrace | undefined,
): ConditionOutcome | undefined {
  if (rule.when === undefined) return NO_CONDITION;
  if (trace === undefined) {
    const truth = rule.when.evaluate(facts);
    if (truth === 'false' || (truth === 'unknown' && rule.effect === 'allow')) return undefined;
    return truth === 'true' ? CONDITION_TRUE : CONDITION_UNKNOWN;
  }
  const outcome = rule.when.explain(facts);
  if (outcome.result === 'false') {
    trace.rules.push({
      ...miss(rule, `condition failed: ${outcome.detail}`),
      condition: 'false',
    });
    return undefined;
  }
  if (outcome.result === 'unknown' && rule.effect === 'allow') {
    trace.rules.push({
      ...miss(rule, `condition unknown, so the allow rule does not apply: ${outcome.detail}`),
      condition: 'unknown',
    });
    return undefined;
  }
  return { truth: outcome.result, detail: outcome.detail };
}

function miss(rule: CompiledRule, detail: string): RuleTrace {
  return { ...traceHead(rule), matched: false, detail };
}

function matchTrace(match: RuleMatch, condition: ConditionOutcome): RuleTrace {
  const { rule } = match;
  const unknownNote = match.undecided
    ? ` (condition unknown, so the rule applies${condition.detail === '' ? '' : `: ${condition.detail}`})`
    : '';
  const conditionField = condition.truth === undefined ? {} : { condition: condition.truth };
  if (rule.effect === 'deny')
    return { ...traceHead(rule), matched: true, detail: `matched: denies${unknownNote}`, ...conditionField };
  if (rule.effect === 'approve') {
    return {
      ...traceHead(rule),
      matched: true,
      detail: `matched: requires approval${unknownNote}`,
      ...conditionField,
    };
  }
  const grants: ('agent' | 'user')[] = [];
  if (match.grantsAgent) grants.push('agent');
  if (match.userOk === true) grants.push('user');
  return {
    ...traceHead(rule),
    matched: true,
    detail:
      grants.length === 0
        ? 'matched, but grants nothing here (the tool needs a task grant for the agent permission)'
        : `matched: grants the ${grants.join(' and ')} permission (approval ${rule.approval})`,
    grants,
    ...conditionField,
  };
}

function grantsAgent(match: RuleMatch): boolean {
  return match.grantsAgent;
}

function grantsUser(match: RuleMatch): boolean {
  return match.userOk === true;
}

/** From the rules that apply to the decision: deny, missing permission, limits, approval, allow. */
function decideMatches(
  policy: CompiledPolicy,
  subject: Subject,
  matches: Matches,
  trace: EvaluationTrace | undefined,
): Decision {
  const { tool, facts, request } = subject;
  if (matches.denies.length > 0) return denyByRules(policy, matches.denies, facts);
  const agentGranted = matches.allows.some(grantsAgent);
  const userGranted = matches.allows.some(grantsUser);
  if (!agentGranted || !userGranted)
    return deny(policy, missingPermission(agentGranted, userGranted, request));
  let obligations = tool.obligations;
  if (tool.limits.length > 0) {
    const counted = limitObligations(tool, facts, trace);
    if (typeof counted === 'string') return deny(policy, counted);
    if (counted.length > 0) obligations = [...obligations, ...counted];
  }
  const allowIds = idsOf(matches.allows);
  if (matches.approves.length > 0)
    return approveByRules(policy, matches.approves, allowIds, facts, obligations);
  const needed = approvalNeeded(tool, matches.allows);
  if (needed !== undefined) {
    return {
      effect: 'approve',
      reason: needed,
      ruleIds: allowIds,
      policyVersion: policy.version,
      obligations,
    };
  }
  return {
    effect: 'allow',
    reason: allowReason(matches.allows, allowIds),
    ruleIds: allowIds,
    policyVersion: policy.version,
    obligations,
  };
}

function denyByRules(policy: CompiledPolicy, denies: readonly RuleMatch[], facts: PolicyFacts): Decision {
  const first = denies[0] as RuleMatch;
  const reason = first.undecided
    ? undecidedReason(first.rule.denyReason, first.rule, facts, 'the deny applies (fail closed)')
    : first.rule.denyReason;
  return deny(policy, reason, idsOf(denies));
}

function approveByRules(
  policy: CompiledPolicy,
  approves: readonly RuleMatch[],
  allowIds: readonly string[],
  facts: PolicyFacts,
  obligations: readonly Obligation[],
): Decision {
  const first = approves[0] as RuleMatch;
  return {
    effect: 'approve',
    reason: first.undecided
      ? undecidedReason(first.rule.approveReason, first.rule, facts, 'a human decides')
      : first.rule.approveReason,
    ruleIds: [...allowIds, ...approves.map(ruleId)],
    policyVersion: policy.version,
    obligations,
  };
}

/**
 * Why an allowed call still needs a human: an allow rule requires approval, or the effect persists
 * something and no rule waives approval for both the agent and the user. Undefined when none is needed.
 */
function approvalNeeded(tool: CompiledTool, allows: readonly RuleMatch[]): string | undefined {
  if (allows.some((match) => match.rule.approval === 'required'))
    return `an allow rule requires approval for "${tool.name}"`;
  if (!tool.persistent) return undefined;
  const waivedForAgent = allows.some((match) => match.grantsAgent && match.rule.approval === 'none');
  const waivedForUser = allows.some((match) => match.userOk === true && match.rule.approval === 'none');
  if (waivedForAgent && waivedForUser) return undefined;
  return `"${tool.name}" has the persistent effect "${tool.entry.effect}" and no rule allows it without approval`;
}

function allowReason(allows: readonly RuleMatch[], allowIds: readonly string[]): string {
  const lead = (allows[0] as RuleMatch).rule;
  if (allows.length === 1) return lead.allowReason;
  return lead.reason ?? `allowed by rules ${allowIds.map((id) => `"${id}"`).join(', ')}`;
}

function idsOf(matches: readonly RuleMatch[]): readonly string[] {
  return matches.length === 1 ? (matches[0] as RuleMatch).rule.ids : matches.map(ruleId);
}

/** The `consume-limit` obligations of the limits that apply, or the reason the request cannot be counted. */
function limitObligations(
  tool: CompiledTool,
  facts: PolicyFacts,
  trace: EvaluationTrace | undefined,
): Obligation[] | string {
  const obligations: Obligation[] = [];
  for (const limit of tool.limits) {
    if (limit.agents && !limit.agents(facts.principal.agent.id)) continue;
    if (limit.user && !limit.user(facts.principal)) continue;
    // An unknown `when` counts the call: a missing value never lets a call escape a limit.
    let unknownNote = '';
    if (limit.when !== undefined) {
      const truth = limit.when.evaluate(facts);
      if (truth === 'false') continue;
      if (truth === 'unknown' && trace !== undefined)
        unknownNote = ` (condition unknown, so the limit applies: ${limit.when.explain(facts).detail})`;
    }
    let amount = 1;
    if (limit.sum) {
      const value = limit.sum(facts);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return `limit "${limit.id}" sums ${limit.sumPath}, which is not a non-negative number (default deny)`;
      }
      amount = value;
    }
    const key = limitKey(limit, tool.name, facts);
    trace?.checks.push(
      `limit "${limit.id}" applies: counts ${amount} against ${limit.max} per ${limit.windowMs} ms (${key})${unknownNote}`,
    );
    obligations.push({
      type: 'consume-limit',
      limit: limit.id,
      key,
      amount,
      max: limit.max,
      windowMs: limit.windowMs,
    });
  }
  return obligations;
}

function limitKey(limit: CompiledLimit, tool: string, facts: PolicyFacts): string {
  const parts: string[] = [limit.id];
  for (const dimension of limit.per) {
    const value = dimensionValue(dimension, tool, facts);
    // JSON quoting keeps `a|b` in one value from colliding with two values `a` and `b`.
    parts.push(`${dimension}=${value === undefined ? '-' : JSON.stringify(value)}`);
  }
  return parts.join('|');
}

/**
 * The value a limit counts separately by. Validation admits only the dimensions named here; an
 * unknown one throws (the engine turns that into a deny) rather than counting under another key.
 */
function dimensionValue(dimension: LimitDimension, tool: string, facts: PolicyFacts): string | undefined {
  switch (dimension) {
    case 'agent':
      return facts.principal.agent.id;
    case 'user':
      return facts.principal.user?.id;
    case 'tool':
      return tool;
    case 'task':
      return facts.principal.task;
    case 'session':
      return facts.context.sessionId;
    case 'tenant':
      return facts.principal.user?.tenant;
    default:
      throw new TypeError(`limit dimension "${String(dimension satisfies never)}" is not known`);
  }
}

/** The reason of a deny or approve rule that applied because its condition could not be decided. */
function undecidedReason(
  reason: string,
  rule: CompiledRule,
  facts: PolicyFacts,
  consequence: string,
): string {
  const detail = rule.when === undefined ? '' : `: ${rule.when.explain(facts).detail}`;
  return `${reason} (a value the condition reads is missing or of the wrong type, so ${consequence}${detail})`;
}

function traceHead(rule: CompiledRule): Pick<RuleTrace, 'id' | 'effect' | 'grant'> {
  return rule.grant === undefined
    ? { id: rule.id, effect: rule.effect }
    : { id: rule.id, effect: rule.effect, grant: rule.grant };
}

function ruleId(match: RuleMatch): string {
  return match.rule.id;
}

function catalogMismatch(tool: CompiledTool, request: ActionRequest): string | undefined {
  if (request.kind !== tool.kind)
    return `"${tool.name}" is a ${tool.kind} in the catalog, not a ${String(request.kind)}`;
  if (request.effect !== tool.entry.effect) {
    return `"${tool.name}" declares effect "${String(request.effect)}" but the catalog says "${tool.entry.effect}"`;
  }
  if (
    tool.entry.target !== undefined &&
    request.target !== undefined &&
    request.target !== tool.entry.target
  ) {
    return `"${tool.name}" targets "${String(request.target)}" but the catalog says "${tool.entry.target}"`;
  }
  return undefined;
}

function subjectMiss(
  agentOk: boolean | undefined,
  userOk: boolean | undefined,
  request: ActionRequest,
): string {
  const parts: string[] = [];
  if (agentOk === false) parts.push(`agent ${request.principal.agent.id} is not listed`);
  if (userOk === false) {
    const user = request.principal.user;
    parts.push(
      user
        ? `user ${user.id} (roles ${user.roles.join(', ') || 'none'}) is not listed`
        : 'the call has no user and the rule is not autonomous',
    );
  }
  return parts.join('; ');
}

function missingPermission(agent: boolean, user: boolean, request: ActionRequest): string {
  const who = request.principal.user;
  const userText = who === undefined ? 'a call without a user' : `user ${who.id}`;
  const missing = agent
    ? userText
    : user
      ? `agent ${request.principal.agent.id}`
      : `agent ${request.principal.agent.id} or ${userText}`;
  return `no rule allows ${missing} to call "${request.name}" (default deny)`;
}
