import { randomUUID } from 'node:crypto';
import { StoreFullError } from '@palisade/core';
import type { Condition } from '../policy-document.js';
import type { TaskGrant, TaskGrantInput, TaskGrants } from '../task-grant.js';
import { type CompiledPolicy, type CompiledRule, withReasons } from './compile-policy.js';
import { compileCondition } from './condition.js';
import { frozenCopy } from './freeze.js';
import { compileGlob, hasWildcard, unescapeGlob } from './glob.js';
import { compileNames } from './matchers.js';
import { conditionIssues } from './validate-document.js';

interface GrantRecord {
  readonly grant: TaskGrant;
  readonly tools: (name: string) => boolean;
  /** The grant as a rule, compiled once per policy version (conditions depend on its sources). */
  readonly rules: Map<string, CompiledRule>;
}

/** The grants of one engine, with the lookup decisions use. */
export interface GrantRegistry extends TaskGrants {
  /** The rules of the grants in force for this tool, agent and task, compiled for `policy`. */
  rulesFor(
    policy: CompiledPolicy,
    tool: string,
    task: string | undefined,
  ): readonly CompiledRule[] | undefined;
}

/** Creates the grant registry of an engine. */
export function createGrantRegistry(options: {
  readonly now: () => number;
  readonly maxTtlMs: number;
  /** The most grants in force at once; at the cap, `issue` throws `StoreFullError`. */
  readonly maxGrants: number;
  readonly current: () => CompiledPolicy;
}): GrantRegistry {
  const grants = new Map<string, GrantRecord>();
  const byTask = new Map<string, Set<string>>();

  const remove = (id: string): boolean => {
    const record = grants.get(id);
    if (!record) return false;
    grants.delete(id);
    const ids = byTask.get(record.grant.task);
    ids?.delete(id);
    if (ids?.size === 0) byTask.delete(record.grant.task);
    return true;
  };
  const live = (record: GrantRecord, now: number): boolean => {
    if (record.grant.expiresAt > now) return true;
    remove(record.grant.id);
    return false;
  };
  /** Makes room for one more grant by dropping the expired ones, or refuses (fail closed). */
  const reserve = (now: number): void => {
    if (grants.size < options.maxGrants) return;
    for (const record of [...grants.values()]) live(record, now);
    if (grants.size >= options.maxGrants)
      throw new StoreFullError({ store: 'task grant registry', maxEntries: options.maxGrants });
  };

  return {
    issue(input) {
      const grant = validateGrant(input, options.current(), options.now(), options.maxTtlMs);
      reserve(grant.issuedAt);
      const record: GrantRecord = {
        grant,
        tools: compileNames(grant.tools),
        rules: new Map(),
      };
      // Compiling now surfaces a missing predicate at issue time rather than at the first decision.
      compileGrantRule(record, options.current());
      grants.set(grant.id, record);
      let ids = byTask.get(grant.task);
      if (!ids) {
        ids = new Set();
        byTask.set(grant.task, ids);
      }
      ids.add(grant.id);
      return grant;
    },
    revoke(id) {
      const record = grants.get(id);
      if (!record || !live(record, options.now())) return false;
      return remove(id);
    },
    revokeTask(task) {
      const now = options.now();
      let count = 0;
      for (const id of [...(byTask.get(task) ?? [])]) {
        const record = grants.get(id);
        if (record && live(record, now)) count += remove(id) ? 1 : 0;
      }
      return count;
    },
    list() {
      const now = options.now();
      return [...grants.values()].filter((record) => live(record, now)).map((record) => record.grant);
    },
    rulesFor(policy, tool, task) {
      if (task === undefined || grants.size === 0) return undefined;
      const ids = byTask.get(task);
      if (!ids) return undefined;
      const now = options.now();
      let rules: CompiledRule[] | undefined;
      for (const id of [...ids]) {
        const record = grants.get(id);
        if (!record || !live(record, now) || !record.tools(tool)) continue;
        rules ??= [];
        rules.push(compileGrantRule(record, policy));
      }
      return rules;
    },
  };
}

function compileGrantRule(record: GrantRecord, policy: CompiledPolicy): CompiledRule {
  const cached = record.rules.get(policy.version);
  if (cached) return cached;
  const { grant } = record;
  const userId = grant.user;
  const rule: CompiledRule = withReasons({
    id: `grant:${grant.id}`,
    index: -1,
    effect: 'allow',
    approval: grant.approval,
    agents: compileNames([grant.agent]),
    user: userId === undefined ? undefined : (principal) => principal.user?.id === userId,
    targets: undefined,
    when: grantCondition(grant, policy),
    reason: grant.reason,
    grant: grant.id,
  });
  record.rules.set(policy.version, rule);
  return rule;
}

/**
 * The grant's own condition, and its session binding: a grant for one session is a condition on
 * `context.sessionId`, so a call in another session (or in none) does not meet it (an unknown
 * value never satisfies an allow).
 */
function grantCondition(grant: TaskGrant, policy: CompiledPolicy): CompiledRule['when'] {
  const parts: Condition[] = [];
  if (grant.when) parts.push(grant.when);
  if (grant.session !== undefined) parts.push({ 'context.sessionId': { eq: grant.session } });
  if (parts.length === 0) return undefined;
  return compileCondition(parts.length === 1 ? (parts[0] as Condition) : { all: parts }, policy.environment);
}

function validateGrant(
  input: TaskGrantInput,
  policy: CompiledPolicy,
  now: number,
  maxTtlMs: number,
): TaskGrant {
  if (typeof input !== 'object' || input === null)
    throw new TypeError('grants.issue(): expected a grant object');
  if (typeof input.agent !== 'string' || input.agent === '' || input.agent.length > 512) {
    throw new TypeError('grants.issue(): agent must be an agent id or glob');
  }
  if (typeof input.task !== 'string' || input.task === '' || input.task.length > 256) {
    throw new TypeError('grants.issue(): task must be a non-empty task id');
  }
  if (!Array.isArray(input.tools) || input.tools.length === 0) {
    throw new TypeError('grants.issue(): tools must list at least one catalog tool');
  }
  const catalog = [...policy.tools.keys()];
  for (const tool of input.tools) {
    if (typeof tool !== 'string' || tool === '') throw new TypeError('grants.issue(): tools must be strings');
    const known = hasWildcard(tool) ? catalog.some(compileGlob(tool)) : policy.tools.has(unescapeGlob(tool));
    if (!known) throw new TypeError(`grants.issue(): "${tool}" is not a tool of the catalog`);
  }
  if (input.user !== undefined && (typeof input.user !== 'string' || input.user === '')) {
    throw new TypeError('grants.issue(): user must be a user id');
  }
  if (input.session !== undefined && (typeof input.session !== 'string' || input.session === '')) {
    throw new TypeError('grants.issue(): session must be a session id');
  }
  if (input.approval !== undefined && !['auto', 'required', 'none'].includes(input.approval)) {
    throw new TypeError('grants.issue(): approval must be auto, required or none');
  }
  if (input.when !== undefined) {
    const issues = conditionIssues(input.when, new Set(Object.keys(policy.document.sources ?? {})));
    if (issues.length > 0) {
      throw new TypeError(
        `grants.issue(): invalid when: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      );
    }
  }
  if ((input.ttlMs === undefined) === (input.expiresAt === undefined)) {
    throw new TypeError('grants.issue(): give exactly one of ttlMs and expiresAt');
  }
  const expiresAt = input.expiresAt ?? now + (input.ttlMs as number);
  if (!Number.isFinite(expiresAt) || expiresAt <= now)
    throw new TypeError('grants.issue(): the grant would already be expired');
  if (expiresAt - now > maxTtlMs) {
    throw new TypeError(
      `grants.issue(): lifetime ${expiresAt - now} ms exceeds the maximum of ${maxTtlMs} ms`,
    );
  }
  if (input.reason !== undefined && typeof input.reason !== 'string')
    throw new TypeError('grants.issue(): reason must be a string');
  const grant: TaskGrant = {
    id: randomUUID(),
    agent: input.agent,
    task: input.task,
    tools: [...input.tools],
    when: input.when === undefined ? undefined : (input.when as Condition),
    user: input.user,
    session: input.session,
    approval: input.approval ?? 'auto',
    reason: input.reason,
    issuedAt: now,
    expiresAt,
  };
  return frozenCopy(stripUndefined(grant));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
