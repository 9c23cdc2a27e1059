import type { ActionRequest, Decision, Obligation } from '@palisade/core';
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

/**
 * Decides one request against a compiled policy: deny overrides approve overrides allow, and an
 * allow needs both the agent permission and the user permission; anything else is denied.
 * `trace`, when given, receives every step (used by explain; the decision is the same either way).
 */
export function evaluate(
  policy: CompiledPolicy,
  request: ActionRequest,
  extra: readonly CompiledRule[] | undefined,
  trace: EvaluationTrace | undefined,
): Decision {
  if (request.kind === 'egress') return evaluateEgress(policy, request, trace);
  const name = request.name;
  const tool = typeof name === 'string' ? policy.tools.get(name) : undefined;
  if (tool === undefined) {
    trace?.checks.push(`"${String(name)}" is not in the tool catalog`);
    return deny(policy, `"${String(name)}" is not in the tool catalog`);
  }
  const mismatch = catalogMismatch(tool, request);
  if (mismatch !== undefined) {
    trace?.checks.push(mismatch);
    return deny(policy, mismatch);
  }
  trace?.checks.push(
    `"${tool.name}" is in the catalog (${tool.entry.effect}${tool.entry.target ? ` on ${tool.entry.target}` : ''})`,
  );
  const principal = request.principal;
  const agentId = principal.agent.id;
  const resource: ResourceFacts =
    tool.entry.target === undefined && request.target !== undefined
      ? { ...tool.resource, target: request.target }
      : tool.resource;
  const facts: PolicyFacts = { input: request.input, principal, resource, context: request.context, request };

  let denies: CompiledRule[] | undefined;
  let approves: CompiledRule[] | undefined;
  let allows: CompiledRule[] | undefined;
  let agentGranted = false;
  let userGranted = false;
  let agentWaived = false;
  let userWaived = false;
  let approvalRequired = false;
  // Deny and approve rules that matched only because their condition was unknown.
  let undecidedRules: Set<CompiledRule> | undefined;

  // One flat loop over the tool's rules, then the task grants' rules: this is the hot path.
  const own = tool.rules;
  const ownCount = own.length;
  const total = ownCount + (extra === undefined ? 0 : extra.length);
  for (let index = 0; index < total; index += 1) {
    const rule = (
      index < ownCount ? own[index] : (extra as readonly CompiledRule[])[index - ownCount]
    ) as CompiledRule;
    const agentOk = rule.agents === undefined ? undefined : rule.agents(agentId);
    const userOk = rule.user === undefined ? undefined : rule.user(principal);
    if (agentOk === false || userOk === false) {
      trace?.rules.push({
        ...traceHead(rule),
        matched: false,
        detail: subjectMiss(agentOk, userOk, request),
      });
      continue;
    }
    if (rule.targets !== undefined && !(resource.target !== undefined && rule.targets(resource.target))) {
      trace?.rules.push({
        ...traceHead(rule),
        matched: false,
        detail: `target ${String(resource.target)} is not listed`,
      });
      continue;
    }
    // Three-valued `when`: an allow rule needs it true; a deny or approve rule also applies when it
    // is unknown (a value missing or of the wrong type), so absence never widens access.
    let undecided = false;
    let unknownDetail = '';
    if (rule.when !== undefined) {
      if (trace === undefined) {
        const truth = rule.when.evaluate(facts);
        if (truth === 'false' || (truth === 'unknown' && rule.effect === 'allow')) continue;
        undecided = truth === 'unknown';
      } else {
        const outcome = rule.when.explain(facts);
        if (outcome.result === 'false') {
          trace.rules.push({
            ...traceHead(rule),
            matched: false,
            detail: `condition failed: ${outcome.detail}`,
            condition: 'false',
          });
          continue;
        }
        if (outcome.result === 'unknown' && rule.effect === 'allow') {
          trace.rules.push({
            ...traceHead(rule),
            matched: false,
            detail: `condition unknown, so the allow rule does not apply: ${outcome.detail}`,
            condition: 'unknown',
          });
          continue;
        }
        undecided = outcome.result === 'unknown';
        if (undecided) unknownDetail = `: ${outcome.detail}`;
      }
    }
    if (undecided) {
      if (undecidedRules === undefined) undecidedRules = new Set([rule]);
      else undecidedRules.add(rule);
    }
    const condition = rule.when === undefined ? undefined : undecided ? 'unknown' : 'true';
    const unknownNote = undecided ? ` (condition unknown, so the rule applies${unknownDetail})` : '';
    if (rule.effect === 'deny') {
      if (denies === undefined) denies = [rule];
      else denies.push(rule);
      trace?.rules.push({
        ...traceHead(rule),
        matched: true,
        detail: `matched: denies${unknownNote}`,
        ...(condition === undefined ? {} : { condition }),
      });
    } else if (rule.effect === 'approve') {
      if (approves === undefined) approves = [rule];
      else approves.push(rule);
      trace?.rules.push({
        ...traceHead(rule),
        matched: true,
        detail: `matched: requires approval${unknownNote}`,
        ...(condition === undefined ? {} : { condition }),
      });
    } else {
      if (allows === undefined) allows = [rule];
      else allows.push(rule);
      // For a tool that requires a task grant, only a grant gives the agent permission.
      const grantsAgent = agentOk === true && (!tool.grantRequired || rule.grant !== undefined);
      if (grantsAgent) {
        agentGranted = true;
        if (rule.approval === 'none') agentWaived = true;
      }
      if (userOk === true) {
        userGranted = true;
        if (rule.approval === 'none') userWaived = true;
      }
      if (rule.approval === 'required') approvalRequired = true;
      if (trace !== undefined) {
        const grants: ('agent' | 'user')[] = [];
        if (grantsAgent) grants.push('agent');
        if (userOk === true) grants.push('user');
        trace.rules.push({
          ...traceHead(rule),
          matched: true,
          detail:
            grants.length === 0
              ? 'matched, but grants nothing here (the tool needs a task grant for the agent permission)'
              : `matched: grants the ${grants.join(' and ')} permission (approval ${rule.approval})`,
          grants,
          ...(condition === undefined ? {} : { condition }),
        });
      }
    }
  }
  if (trace) trace.permissions = { agent: agentGranted, user: userGranted };

  if (denies !== undefined) {
    const first = denies[0] as CompiledRule;
    const reason = undecidedRules?.has(first)
      ? undecidedReason(first.denyReason, first, facts, 'the deny applies (fail closed)')
      : first.denyReason;
    return deny(policy, reason, denies.length === 1 ? first.ids : denies.map(ruleId));
  }
  if (!agentGranted || !userGranted)
    return deny(policy, missingPermission(agentGranted, userGranted, request));
  let obligations = tool.obligations;
  if (tool.limits.length > 0) {
    const counted = limitObligations(tool, facts, trace);
    if (typeof counted === 'string') return deny(policy, counted);
    if (counted.length > 0) obligations = [...obligations, ...counted];
  }
  const granted = allows as CompiledRule[];
  const allowIds = granted.length === 1 ? (granted[0] as CompiledRule).ids : granted.map(ruleId);
  if (approves !== undefined) {
    const first = approves[0] as CompiledRule;
    return {
      effect: 'approve',
      reason: undecidedRules?.has(first)
        ? undecidedReason(first.approveReason, first, facts, 'a human decides')
        : first.approveReason,
      ruleIds: [...allowIds, ...approves.map(ruleId)],
      policyVersion: policy.version,
      obligations,
    };
  }
  if (approvalRequired || (tool.persistent && !(agentWaived && userWaived))) {
    return {
      effect: 'approve',
      reason: approvalRequired
        ? `an allow rule requires approval for "${tool.name}"`
        : `"${tool.name}" has the persistent effect "${tool.entry.effect}" and no rule allows it without approval`,
      ruleIds: allowIds,
      policyVersion: policy.version,
      obligations,
    };
  }
  const lead = granted[0] as CompiledRule;
  return {
    effect: 'allow',
    reason:
      granted.length === 1
        ? lead.allowReason
        : (lead.reason ?? `allowed by rules ${allowIds.map((id) => `"${id}"`).join(', ')}`),
    ruleIds: allowIds,
    policyVersion: policy.version,
    obligations,
  };
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
    let value: string | undefined;
    if (dimension === 'agent') value = facts.principal.agent.id;
    else if (dimension === 'user') value = facts.principal.user?.id;
    else if (dimension === 'tool') value = tool;
    else if (dimension === 'task') value = facts.principal.task;
    else if (dimension === 'session') value = facts.context.sessionId;
    else value = facts.principal.user?.tenant;
    // JSON quoting keeps `a|b` in one value from colliding with two values `a` and `b`.
    parts.push(`${dimension}=${value === undefined ? '-' : JSON.stringify(value)}`);
  }
  return parts.join('|');
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

function ruleId(rule: CompiledRule): string {
  return rule.id;
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
