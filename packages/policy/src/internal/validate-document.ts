import type { z } from 'zod';
import {
  breakerShape,
  documentSchema,
  documentShape,
  egressShape,
  limitShape,
  MAX_GLOB_LENGTH,
  NAME_MESSAGE,
  NAME_PATTERN,
  type PolicyDocument,
  RESERVED_NAMES,
  ruleShape,
  sourceShape,
  toolEntryShape,
} from '../policy-document.js';
import { parseCidr } from './address.js';
import { compileGlob, hasWildcard, unescapeGlob } from './glob.js';
import { parsePath } from './path.js';
import { PROVENANCE_OPERATORS } from './provenance-conditions.js';
import { containmentIssues, provenanceOperandIssues } from './validate-containment.js';

/** A problem found while validating, located by its path in the document. */
export interface RawIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const MAX_CONDITION_DEPTH = 32;

/** The keys each object accepts, to say what was expected when an unknown key shows up. */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  document: Object.keys(documentShape.shape),
  tool: Object.keys(toolEntryShape.shape),
  rule: Object.keys(ruleShape.shape),
  source: Object.keys(sourceShape.shape),
  limit: Object.keys(limitShape.shape),
  egress: Object.keys(egressShape.shape),
  breaker: Object.keys(breakerShape.shape),
};

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return KNOWN_KEYS.document;
  if (path.length === 2 && path[0] === 'tools') return KNOWN_KEYS.tool;
  if (path.length === 2 && path[0] === 'rules') return KNOWN_KEYS.rule;
  if (path.length === 2 && path[0] === 'sources') return KNOWN_KEYS.source;
  if (path.length === 2 && path[0] === 'limits') return KNOWN_KEYS.limit;
  if (path.length === 2 && path[0] === 'egress') return KNOWN_KEYS.egress;
  if (path.length === 1 && path[0] === 'breaker') return KNOWN_KEYS.breaker;
  return undefined;
}

/**
 * Validates a candidate policy document: its shape (unknown keys rejected), its conditions, and the
 * consistency between its parts (rule ids unique, tools named by rules exist, sources declared).
 */
export function validateDocument(
  value: unknown,
):
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly issues: RawIssue[] } {
  const reserved: RawIssue[] = [];
  findReservedKeys(value, [], reserved, 0);
  if (reserved.length > 0) return { ok: false, issues: reserved };
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.flatMap(fromZodIssue) };
  const document: PolicyDocument = parsed.data;
  const issues = checkConsistency(document);
  return issues.length === 0 ? { ok: true, document } : { ok: false, issues };
}

/** Keys such as `__proto__` are refused anywhere: some parsers and validators would drop them silently. */
function findReservedKeys(
  value: unknown,
  path: (string | number)[],
  issues: RawIssue[],
  depth: number,
): void {
  if (typeof value !== 'object' || value === null || depth > 64) return;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) findReservedKeys(item, [...path, index], issues, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (RESERVED_NAMES.has(key))
      issues.push({ path: [...path, key], message: `the key "${key}" is reserved` });
    else findReservedKeys((value as Record<string, unknown>)[key], [...path, key], issues, depth + 1);
  }
}

function fromZodIssue(issue: z.core.$ZodIssue): RawIssue[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    const expected = known ? `; expected one of ${known.join(', ')}` : '';
    return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"${expected}` }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: `is required (${issue.message})` }];
  }
  return [{ path, message: issue.message }];
}

function checkConsistency(document: PolicyDocument): RawIssue[] {
  const issues: RawIssue[] = [];
  const sources = new Set(Object.keys(document.sources ?? {}));
  issues.push(...containmentIssues(document));
  for (const [toolName, entry] of Object.entries(document.tools)) {
    if (entry.kind === 'egress') {
      issues.push({
        path: ['tools', toolName, 'kind'],
        message:
          'egress is decided by the egress rules, not the tool catalog; expected tool, retrieval or memory',
      });
    }
  }
  const seen = new Map<string, number>();
  document.rules.forEach((rule, index) => {
    const at = ['rules', index] as const;
    const first = seen.get(rule.id);
    if (first !== undefined)
      issues.push({
        path: [...at, 'id'],
        message: `duplicate rule id "${rule.id}" (first at rules[${first}])`,
      });
    else seen.set(rule.id, index);

    checkToolPatterns(rule.tools, [...at, 'tools'], document, issues);
    if (rule.approval !== undefined && rule.effect !== 'allow') {
      issues.push({
        path: [...at, 'approval'],
        message: `"approval" is only meaningful on allow rules, not ${rule.effect}`,
      });
    }
    if (rule.effect === 'allow' && !rule.agents && !rule.users && !rule.roles && rule.autonomous !== true) {
      issues.push({
        path: at,
        message: 'an allow rule must name whom it allows: agents, and/or users, roles or autonomous: true',
      });
    }
    if (rule.autonomous === false) {
      issues.push({ path: [...at, 'autonomous'], message: 'expected true or no autonomous key' });
    }
    if (rule.when !== undefined) validateCondition(rule.when, [...at, 'when'], issues, sources, 0);
  });
  const limitIds = new Map<string, number>();
  document.limits?.forEach((limit, index) => {
    const at = ['limits', index] as const;
    const first = limitIds.get(limit.id);
    if (first !== undefined)
      issues.push({
        path: [...at, 'id'],
        message: `duplicate limit id "${limit.id}" (first at limits[${first}])`,
      });
    else limitIds.set(limit.id, index);
    checkToolPatterns(limit.tools, [...at, 'tools'], document, issues);
    if (limit.sum !== undefined) {
      const parsed = parsePath(limit.sum);
      if (!parsed.ok || parsed.segments[0] !== 'input') {
        issues.push({
          path: [...at, 'sum'],
          message: 'expected a path into the input, such as input.amount',
        });
      }
    }
    if (limit.when !== undefined) validateCondition(limit.when, [...at, 'when'], issues, sources, 0);
  });
  const egressIds = new Map<string, number>();
  document.egress?.forEach((rule, index) => {
    const at = ['egress', index] as const;
    const first = egressIds.get(rule.id) ?? seen.get(rule.id);
    if (first !== undefined) issues.push({ path: [...at, 'id'], message: `duplicate rule id "${rule.id}"` });
    else egressIds.set(rule.id, index);
    rule.addresses?.forEach((range, rangeIndex) => {
      if (parseCidr(range) === undefined) {
        issues.push({
          path: [...at, 'addresses', rangeIndex],
          message: 'expected an IPv4 or IPv6 CIDR range (10.0.0.0/8, ::1/128)',
        });
      }
    });
    if (rule.when !== undefined) validateCondition(rule.when, [...at, 'when'], issues, sources, 0);
  });
  return issues;
}

function checkToolPatterns(
  tools: readonly string[] | undefined,
  path: readonly (string | number)[],
  document: PolicyDocument,
  issues: RawIssue[],
): void {
  const toolNames = Object.keys(document.tools);
  tools?.forEach((tool, toolIndex) => {
    if (hasWildcard(tool)) {
      const match = compileGlob(tool);
      if (!toolNames.some((toolName) => match(toolName))) {
        issues.push({
          path: [...path, toolIndex],
          message: `pattern "${tool}" matches no tool in the catalog`,
        });
      }
    } else if (!Object.hasOwn(document.tools, unescapeGlob(tool))) {
      issues.push({
        path: [...path, toolIndex],
        message: `unknown tool "${tool}"; expected a tool of the catalog (${preview(toolNames)})`,
      });
    }
  });
}

function preview(names: readonly string[]): string {
  if (names.length === 0) return 'the catalog is empty';
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ...`;
}

/** Validates a condition given outside a document (a task grant's `when`). */
export function conditionIssues(value: unknown, sourceNames: ReadonlySet<string>): RawIssue[] {
  const issues: RawIssue[] = [];
  findReservedKeys(value, ['when'], issues, 0);
  if (issues.length === 0) validateCondition(value, ['when'], issues, sourceNames, 0);
  return issues;
}

const COMPARISON_KEYS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'exists',
  'providedBy',
  'from',
  'carries',
  'embeds',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function validateCondition(
  value: unknown,
  path: readonly (string | number)[],
  issues: RawIssue[],
  sources: ReadonlySet<string>,
  depth: number,
): void {
  if (depth > MAX_CONDITION_DEPTH) {
    issues.push({ path, message: `conditions nest deeper than ${MAX_CONDITION_DEPTH} levels` });
    return;
  }
  if (!isPlainObject(value)) {
    issues.push({
      path,
      message: 'expected a condition object ({ "input.x": { gt: 1 } }, all, any, not, predicate)',
    });
    return;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) issues.push({ path, message: 'expected at least one test in the condition' });
  for (const key of keys) {
    const item = value[key];
    const at = [...path, key];
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(item) || item.length === 0) {
        issues.push({ path: at, message: `expected a non-empty list of conditions` });
      } else {
        for (const [index, child] of item.entries())
          validateCondition(child, [...at, index], issues, sources, depth + 1);
      }
    } else if (key === 'not') {
      validateCondition(item, at, issues, sources, depth + 1);
    } else if (key === 'predicate') {
      if (typeof item !== 'string' || !NAME_PATTERN.test(item)) {
        issues.push({ path: at, message: `expected the name of a predicate (${NAME_MESSAGE})` });
      }
    } else if (key === 'critical') {
      if (isPlainObject(item)) validateComparison(item, at, issues, sources);
      else
        issues.push({
          path: at,
          message: 'expected a comparison for every critical argument ({ from: user })',
        });
    } else {
      const parsed = parsePath(key);
      if (!parsed.ok) {
        issues.push({ path: at, message: `${parsed.message}; expected a path or all, any, not, predicate` });
      } else if (isScalar(item)) {
        // `path: value` is short for `path: { eq: value }`.
      } else if (isPlainObject(item)) {
        validateComparison(item, at, issues, sources);
      } else {
        issues.push({
          path: at,
          message: 'expected a comparison object ({ gt: 100 }) or a scalar to compare with',
        });
      }
    }
  }
}

function validateComparison(
  comparison: Record<string, unknown>,
  path: readonly (string | number)[],
  issues: RawIssue[],
  sources: ReadonlySet<string>,
): void {
  const keys = Object.keys(comparison);
  if (keys.length === 0) issues.push({ path, message: 'expected at least one comparison (eq, gt, in, ...)' });
  for (const key of keys) {
    const operand = comparison[key];
    const at = [...path, key];
    if (!COMPARISON_KEYS.has(key)) {
      issues.push({
        path: at,
        message: `unknown comparison "${key}"; expected one of ${[...COMPARISON_KEYS].join(', ')}`,
      });
      continue;
    }
    if (isReference(operand)) {
      const parsed = parsePath(operand.ref);
      if (!parsed.ok) issues.push({ path: [...at, 'ref'], message: parsed.message });
      if (key === 'matches' || key === 'exists' || key === 'providedBy' || PROVENANCE_OPERATORS.has(key)) {
        issues.push({ path: at, message: `"${key}" takes a literal, not a reference` });
      }
      continue;
    }
    switch (key) {
      case 'eq':
      case 'ne':
      case 'contains':
        if (!isJson(operand, 0)) issues.push({ path: at, message: 'expected a JSON value or { ref: path }' });
        break;
      case 'in':
      case 'notIn':
        if (!Array.isArray(operand) || !isJson(operand, 0))
          issues.push({ path: at, message: 'expected a list of values or { ref: path }' });
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (!(typeof operand === 'number' && Number.isFinite(operand)) && typeof operand !== 'string') {
          issues.push({ path: at, message: 'expected a number, a string or { ref: path }' });
        }
        break;
      case 'startsWith':
      case 'endsWith':
        if (typeof operand !== 'string')
          issues.push({ path: at, message: 'expected a string or { ref: path }' });
        break;
      case 'matches': {
        const globs = typeof operand === 'string' ? [operand] : operand;
        if (
          !Array.isArray(globs) ||
          globs.length === 0 ||
          !globs.every(
            (glob) => typeof glob === 'string' && glob.length > 0 && glob.length <= MAX_GLOB_LENGTH,
          )
        ) {
          issues.push({
            path: at,
            message: `expected a glob (1-${MAX_GLOB_LENGTH} characters) or a list of globs`,
          });
        }
        break;
      }
      case 'exists':
        if (typeof operand !== 'boolean') issues.push({ path: at, message: 'expected true or false' });
        break;
      case 'from':
      case 'carries':
      case 'embeds':
        issues.push(...provenanceOperandIssues(key, operand, at));
        break;
      case 'providedBy': {
        const names = typeof operand === 'string' ? [operand] : operand;
        if (!Array.isArray(names) || names.length === 0 || !names.every((item) => typeof item === 'string')) {
          issues.push({ path: at, message: 'expected "user" or a list of source names' });
          break;
        }
        for (const source of names as string[]) {
          if (source !== 'user' && !sources.has(source)) {
            issues.push({
              path: at,
              message: `unknown source "${source}"; expected "user" or a source declared under sources`,
            });
          }
        }
        break;
      }
    }
  }
}

/** `{ ref: 'principal.user.tenant' }`: an operand read from another path. */
export function isReference(value: unknown): value is { readonly ref: string } {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.ref === 'string';
}

function isJson(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((item) => isJson(item, depth + 1));
  return false;
}
