import type { PolicyRule } from '../policy-document.js';
import type { PolicyFacts } from '../policy-facts.js';
import type { CompiledRule } from './compile-policy.js';
import { hasWildcard, unescapeGlob } from './glob.js';
import { compileRead, parsePath } from './path.js';

/**
 * The rules of one tool, indexed by whom they can apply to, so a decision looks only at the rules
 * that can match the request: by agent, then by user or role, then by the value of one principal
 * path the rules compare for equality at the top of their `when` (a team, a tenant).
 *
 * Every index key is a necessary condition of the rule: a rule left out of `select` is one whose
 * agent or user matcher returns false, or whose `when` is false whatever its other parts say (a
 * top-level test of a `when` is a conjunct, and a present value that differs from the literal makes
 * it false). A rule whose matcher holds a glob, or that names no one on a level, sits in that level's
 * open bucket and is always a candidate. A missing guard value (which makes the test unknown, not
 * false) selects every guarded rule. So `select` returns a superset of the rules that can match, in
 * document order, and the caller still runs every rule's checks.
 */
export interface RuleIndex {
  /** The candidate rules for a request, in document order, without duplicates. */
  select(facts: PolicyFacts): readonly CompiledRule[];
}

/** A rule with the document rule it was compiled from (its matchers before compilation). */
export interface IndexedRule {
  readonly compiled: CompiledRule;
  readonly source: PolicyRule;
}

interface GuardLevel {
  readonly byValue: Map<string, CompiledRule[]>;
  /** Every rule with a guard, for a request without the guarded value. */
  readonly guarded: CompiledRule[];
  readonly open: CompiledRule[];
}

interface UserLevel {
  readonly byUser: Map<string, GuardLevel>;
  readonly byRole: Map<string, GuardLevel>;
  open: GuardLevel | undefined;
}

interface AgentLevel {
  readonly byAgent: Map<string, UserLevel>;
  open: UserLevel | undefined;
}

const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

/** Builds the index of one tool's rules; `rules` are in document order. */
export function buildRuleIndex(rules: readonly IndexedRule[]): RuleIndex {
  if (rules.length === 0) return { select: () => NO_RULES };
  const guardPath = chooseGuardPath(rules);
  const readGuard = guardPath === undefined ? undefined : compileGuardRead(guardPath);
  const root: AgentLevel = { byAgent: new Map(), open: undefined };
  for (const { compiled, source } of rules) {
    const guard = guardPath === undefined ? undefined : guardValues(source, guardPath);
    const userLevels: UserLevel[] = [];
    const agents = exactNames(source.agents);
    if (agents === undefined) {
      root.open ??= emptyUserLevel();
      userLevels.push(root.open);
    } else {
      for (const agent of agents) userLevels.push(entry(root.byAgent, agent, emptyUserLevel));
    }
    for (const level of userLevels) {
      for (const guardLevel of guardLevelsOf(level, source)) addToGuardLevel(guardLevel, compiled, guard);
    }
  }
  return {
    select(facts) {
      const lists: (readonly CompiledRule[])[] = [];
      const guardValue = readGuard?.(facts);
      const agentLevel = root.byAgent.get(facts.principal.agent.id);
      if (agentLevel !== undefined) collectUsers(agentLevel, facts, guardValue, lists);
      if (root.open !== undefined) collectUsers(root.open, facts, guardValue, lists);
      return mergeInOrder(lists);
    },
  };
}

function emptyUserLevel(): UserLevel {
  return { byUser: new Map(), byRole: new Map(), open: undefined };
}

function emptyGuardLevel(): GuardLevel {
  return { byValue: new Map(), guarded: [], open: [] };
}

function entry<V>(map: Map<string, V>, key: string, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** The exact names of a matcher list; undefined when it is absent or holds a glob (always a candidate). */
function exactNames(patterns: readonly string[] | undefined): readonly string[] | undefined {
  if (patterns === undefined || patterns.some(hasWildcard)) return undefined;
  return [...new Set(patterns.map(unescapeGlob))];
}

/** The user-side buckets a rule goes in: one per exact user and role, or the open bucket. */
function guardLevelsOf(level: UserLevel, rule: PolicyRule): GuardLevel[] {
  const users = rule.users === undefined ? [] : exactNames(rule.users);
  const roles = rule.roles === undefined ? [] : exactNames(rule.roles);
  // Autonomous rules also apply to calls with no user, so no user key is necessary for them.
  const open = rule.autonomous === true || users === undefined || roles === undefined;
  if (open || (users.length === 0 && roles.length === 0)) {
    level.open ??= emptyGuardLevel();
    return [level.open];
  }
  return [
    ...users.map((user) => entry(level.byUser, user, emptyGuardLevel)),
    ...roles.map((role) => entry(level.byRole, role, emptyGuardLevel)),
  ];
}

function addToGuardLevel(level: GuardLevel, rule: CompiledRule, values: readonly string[] | undefined): void {
  if (values === undefined) {
    level.open.push(rule);
    return;
  }
  level.guarded.push(rule);
  for (const value of values) entry(level.byValue, value, () => []).push(rule);
}

function collectUsers(
  level: UserLevel,
  facts: PolicyFacts,
  guardValue: unknown,
  lists: (readonly CompiledRule[])[],
): void {
  const user = facts.principal.user;
  if (user !== undefined) {
    const byUser = level.byUser.get(user.id);
    if (byUser !== undefined) collectGuard(byUser, guardValue, lists);
    if (level.byRole.size > 0) {
      for (const role of user.roles) {
        const byRole = level.byRole.get(role);
        if (byRole !== undefined) collectGuard(byRole, guardValue, lists);
      }
    }
  }
  if (level.open !== undefined) collectGuard(level.open, guardValue, lists);
}

function collectGuard(level: GuardLevel, value: unknown, lists: (readonly CompiledRule[])[]): void {
  if (level.open.length > 0) lists.push(level.open);
  if (level.guarded.length === 0) return;
  if (typeof value === 'string') {
    const rules = level.byValue.get(value);
    if (rules !== undefined) lists.push(rules);
  } else if (value === undefined) {
    // A missing value makes the guard unknown, not false: the rule may still apply (a deny does).
    lists.push(level.guarded);
  }
  // Any other value (a number, null, an object) differs from every string literal: the guard is false.
}

/**
 * Merges lists sorted by document position into one, dropping repeats (a rule listed under a user
 * and one of the user's roles). Lists are few and short, so a linear pick of the smallest head is
 * cheaper than a heap.
 */
function mergeInOrder(lists: readonly (readonly CompiledRule[])[]): readonly CompiledRule[] {
  if (lists.length === 0) return NO_RULES;
  if (lists.length === 1) return lists[0] as readonly CompiledRule[];
  const positions = new Array<number>(lists.length).fill(0);
  const merged: CompiledRule[] = [];
  let last = -1;
  for (;;) {
    let best = -1;
    let bestIndex = Number.POSITIVE_INFINITY;
    for (let list = 0; list < lists.length; list += 1) {
      const rules = lists[list] as readonly CompiledRule[];
      const position = positions[list] as number;
      if (position < rules.length) {
        const index = (rules[position] as CompiledRule).index;
        if (index < bestIndex) {
          bestIndex = index;
          best = list;
        }
      }
    }
    if (best < 0) return merged;
    const rule = (lists[best] as readonly CompiledRule[])[positions[best] as number] as CompiledRule;
    positions[best] = (positions[best] as number) + 1;
    if (bestIndex !== last) {
      merged.push(rule);
      last = bestIndex;
    }
  }
}

/**
 * The principal path most rules of the tool compare for equality with string literals at the top of
 * their `when` (`'principal.user.tenant': 'team-7'`), or undefined when no rule does.
 */
function chooseGuardPath(rules: readonly IndexedRule[]): string | undefined {
  const counts = new Map<string, number>();
  for (const { source } of rules) {
    for (const path of guardPaths(source)) counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [path, count] of counts) {
    if (count > bestCount) {
      best = path;
      bestCount = count;
    }
  }
  return best;
}

function guardPaths(rule: PolicyRule): string[] {
  if (rule.when === undefined) return [];
  return Object.keys(rule.when).filter((path) => guardValues(rule, path) !== undefined);
}

/** The string literals a rule's top-level test on `path` requires the value to equal, if it is such a test. */
function guardValues(rule: PolicyRule, path: string): readonly string[] | undefined {
  if (!path.startsWith('principal.') || rule.when === undefined || !Object.hasOwn(rule.when, path))
    return undefined;
  const test: unknown = rule.when[path];
  if (typeof test === 'string') return [test];
  if (typeof test !== 'object' || test === null || Array.isArray(test)) return undefined;
  const operators = Object.entries(test).filter(([, operand]) => operand !== undefined);
  if (operators.length !== 1) return undefined;
  const [operator, operand] = operators[0] as [string, unknown];
  if (operator === 'eq' && typeof operand === 'string') return [operand];
  if (
    operator === 'in' &&
    Array.isArray(operand) &&
    operand.length > 0 &&
    operand.every((item) => typeof item === 'string')
  )
    return operand as string[];
  return undefined;
}

function compileGuardRead(path: string): (facts: PolicyFacts) => unknown {
  const parsed = parsePath(path);
  if (!parsed.ok) throw new TypeError(parsed.message);
  return compileRead(parsed.segments);
}
