import type { Comparison, Condition, ProvenanceSource } from '../policy-document.js';
import type { PolicyFacts, PolicyPredicate } from '../policy-facts.js';
import { compileCritical } from './critical-arguments.js';
import { compileGlob } from './glob.js';
import { compileRead, parsePath } from './path.js';
import { compileProvenance } from './provenance.js';
import { compileProvenanceTest, PROVENANCE_OPERATORS } from './provenance-conditions.js';
import { isReference } from './validate-document.js';

/**
 * The result of a condition: `'true'`, `'false'`, or `'unknown'` when a test could not be decided
 * because the value (or a referenced operand) is missing, or has a type the operator cannot compare.
 * Strings rather than booleans so that no caller can mistake `'unknown'` for a plain truth value.
 */
export type Truth = 'true' | 'false' | 'unknown';

/** A compiled condition: a fast evaluation, and a slower one that says why. */
export interface CompiledCondition {
  evaluate(facts: PolicyFacts): Truth;
  explain(facts: PolicyFacts): { readonly result: Truth; readonly detail: string };
}

/** What compiling needs besides the condition. */
export interface ConditionEnvironment {
  readonly predicates: ReadonlyMap<string, PolicyPredicate>;
  readonly sources: Readonly<Record<string, ProvenanceSource>>;
  /** Every argument name the catalog calls critical, for the `critical` key. */
  readonly criticalArguments?: readonly string[] | undefined;
}

/**
 * Compiles a validated condition into a three-valued test (Kleene logic). A comparison on a missing
 * value, or on a value of a type its operator cannot compare, is `'unknown'`, never `'false'`: so
 * `not` cannot turn absence into a pass. `not` keeps `'unknown'`; `all` is false if any part is
 * false, else unknown if any part is unknown; `any` is true if any part is true, else unknown if any
 * part is unknown. What `'unknown'` means is decided by the caller, always towards less access.
 * Throws `TypeError` for a predicate the environment lacks.
 */
export function compileCondition(condition: Condition, environment: ConditionEnvironment): CompiledCondition {
  const parts: CompiledCondition[] = [];
  for (const [key, value] of Object.entries(condition)) {
    if (value === undefined) continue;
    if (key === 'all')
      parts.push(allOf((value as Condition[]).map((child) => compileCondition(child, environment))));
    else if (key === 'any')
      parts.push(anyOf((value as Condition[]).map((child) => compileCondition(child, environment))));
    else if (key === 'not') parts.push(negate(compileCondition(value as Condition, environment)));
    else if (key === 'predicate') parts.push(predicate(value as string, environment));
    else if (key === 'critical')
      parts.push(
        compileCritical(environment.criticalArguments ?? [], (path) =>
          comparePath(path, value as Comparison, environment),
        ),
      );
    else parts.push(comparePath(key, value as Comparison | string | number | boolean | null, environment));
  }
  return parts.length === 1 ? (parts[0] as CompiledCondition) : allOf(parts);
}

function allOf(parts: readonly CompiledCondition[]): CompiledCondition {
  return {
    evaluate(facts) {
      let result: Truth = 'true';
      for (const part of parts) {
        const outcome = part.evaluate(facts);
        if (outcome === 'false') return 'false';
        if (outcome === 'unknown') result = 'unknown';
      }
      return result;
    },
    explain(facts) {
      const details: string[] = [];
      const unknown: string[] = [];
      for (const part of parts) {
        const outcome = part.explain(facts);
        if (outcome.result === 'false') return outcome;
        if (outcome.result === 'unknown') unknown.push(outcome.detail);
        else details.push(outcome.detail);
      }
      if (unknown.length > 0) return { result: 'unknown', detail: unknown.join(' and ') };
      return { result: 'true', detail: details.join(' and ') };
    },
  };
}

function anyOf(parts: readonly CompiledCondition[]): CompiledCondition {
  return {
    evaluate(facts) {
      let result: Truth = 'false';
      for (const part of parts) {
        const outcome = part.evaluate(facts);
        if (outcome === 'true') return 'true';
        if (outcome === 'unknown') result = 'unknown';
      }
      return result;
    },
    explain(facts) {
      const details: string[] = [];
      let result: Truth = 'false';
      for (const part of parts) {
        const outcome = part.explain(facts);
        if (outcome.result === 'true') return outcome;
        if (outcome.result === 'unknown') result = 'unknown';
        details.push(outcome.detail);
      }
      return { result, detail: `none of (${details.join('; ')})` };
    },
  };
}

const NEGATION: Readonly<Record<Truth, Truth>> = { true: 'false', false: 'true', unknown: 'unknown' };

function negate(part: CompiledCondition): CompiledCondition {
  return {
    evaluate: (facts) => NEGATION[part.evaluate(facts)],
    explain(facts) {
      const outcome = part.explain(facts);
      return { result: NEGATION[outcome.result], detail: `not (${outcome.detail})` };
    },
  };
}

/** A predicate is always known: it returns a boolean, and one that does not (or throws) ends in deny. */
function predicate(name: string, environment: ConditionEnvironment): CompiledCondition {
  const fn = environment.predicates.get(name);
  if (!fn) throw new TypeError(`The policy names predicate "${name}", which was not given to the engine`);
  const run = (facts: PolicyFacts): Truth => {
    const result = fn(facts);
    if (typeof result !== 'boolean')
      throw new TypeError(`Predicate "${name}" returned ${typeof result}, not a boolean`);
    return result ? 'true' : 'false';
  };
  return {
    evaluate: run,
    explain(facts) {
      const result = run(facts);
      return { result, detail: `predicate ${name} is ${result}` };
    },
  };
}

type Test = (value: unknown, facts: PolicyFacts) => Truth;

function comparePath(
  path: string,
  comparison: Comparison | string | number | boolean | null,
  environment: ConditionEnvironment,
): CompiledCondition {
  const parsed = parsePath(path);
  if (!parsed.ok) throw new TypeError(parsed.message);
  const read = compileRead(parsed.segments);
  const entries: [string, unknown][] =
    typeof comparison === 'object' && comparison !== null ? Object.entries(comparison) : [['eq', comparison]];
  const tests: { operator: string; operand: unknown; test: Test }[] = [];
  for (const [operator, operand] of entries) {
    if (operand === undefined) continue;
    tests.push({ operator, operand, test: compileTest(operator, operand, environment) });
  }
  return {
    evaluate(facts) {
      const value = read(facts);
      let result: Truth = 'true';
      for (const { test } of tests) {
        const outcome = test(value, facts);
        if (outcome === 'false') return 'false';
        if (outcome === 'unknown') result = 'unknown';
      }
      return result;
    },
    explain(facts) {
      const value = read(facts);
      let unknown: string | undefined;
      for (const { operator, operand, test } of tests) {
        const outcome = test(value, facts);
        if (outcome === 'true') continue;
        const other = isReference(operand) ? resolveReference(operand.ref, facts) : operand;
        // Only the policy's own literals are quoted: the values compared come from the call (its
        // input, its context) and may be secrets, and this text ends up in reasons and spans.
        const operandText = isReference(operand) ? `${operand.ref} (${describe(other)})` : show(operand);
        if (outcome === 'false')
          return {
            result: 'false',
            detail: `${path} ${operator} ${operandText} is false (value ${describe(value)})`,
          };
        unknown ??= `${path} ${operator} ${operandText} is unknown (${whyUnknown(value, other)})`;
      }
      if (unknown !== undefined) return { result: 'unknown', detail: unknown };
      return {
        result: 'true',
        detail: `${path} ${tests.map((item) => `${item.operator} ${show(item.operand)}`).join(', ')} holds`,
      };
    },
  };
}

function whyUnknown(value: unknown, operand: unknown): string {
  if (value === undefined) return 'value missing';
  if (operand === undefined) return `value ${describe(value)}, operand missing`;
  return `value ${describe(value)} cannot be compared`;
}

/** What a compared value is, without what it says (its type, and a length for text and lists). */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function resolveReference(ref: string, facts: PolicyFacts): unknown {
  const parsed = parsePath(ref);
  return parsed.ok ? compileRead(parsed.segments)(facts) : undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function known(result: boolean): Truth {
  return result ? 'true' : 'false';
}

/**
 * Compiles one operator. A missing (undefined) value, or a missing reference, makes every operator
 * but `exists` unknown; so does a value the operator cannot compare (`gt` on a string against a
 * number, `startsWith` on a number, `providedBy` on an object). `exists` is always known. Absence
 * never satisfies a test by accident, not even under `not`.
 */
function compileTest(operator: string, operand: unknown, environment: ConditionEnvironment): Test {
  if (operator === 'exists') {
    const wanted = operand === true;
    return (value) => known((value !== undefined && value !== null) === wanted);
  }
  if (operator === 'matches') {
    const globs = (typeof operand === 'string' ? [operand] : (operand as string[])).map(compileGlob);
    return (value) => (typeof value === 'string' ? known(globs.some((glob) => glob(value))) : 'unknown');
  }
  if (PROVENANCE_OPERATORS.has(operator)) {
    const test = compileProvenanceTest(operator, operand, environment.sources);
    return (value, facts) => (value === undefined ? 'unknown' : test(value, facts));
  }
  if (operator === 'providedBy') {
    const check = compileProvenance(
      typeof operand === 'string' ? [operand] : (operand as string[]),
      environment.sources,
    );
    return (value, facts) => (traceable(value) ? known(check(value, facts.context)) : 'unknown');
  }
  const binary = BINARY[operator];
  if (!binary) throw new TypeError(`Unknown comparison "${operator}"`);
  if (isReference(operand)) {
    const parsed = parsePath(operand.ref);
    if (!parsed.ok) throw new TypeError(parsed.message);
    const readOperand = compileRead(parsed.segments);
    return (value, facts) => {
      const other = readOperand(facts);
      return value === undefined || other === undefined ? 'unknown' : binary(value, other);
    };
  }
  return (value) => (value === undefined ? 'unknown' : binary(value, operand));
}

/**
 * Whether `providedBy` can tell where a value came from: a non-empty string, a finite number, or a
 * non-empty array of those. Anything else (missing, null, an object, an empty string) is unknown.
 */
function traceable(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(traceableItem);
  return traceableItem(value);
}

function traceableItem(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return typeof value === 'number' && Number.isFinite(value);
}

/** The binary operators, on a present value; unknown when the types cannot be compared. */
const BINARY: Readonly<Record<string, (value: unknown, operand: unknown) => Truth>> = {
  eq: (value, operand) => known(jsonEqual(value, operand)),
  ne: (value, operand) => known(!jsonEqual(value, operand)),
  in: (value, operand) =>
    Array.isArray(operand) ? known(operand.some((item) => jsonEqual(value, item))) : 'unknown',
  notIn: (value, operand) =>
    Array.isArray(operand) ? known(!operand.some((item) => jsonEqual(value, item))) : 'unknown',
  gt: (value, operand) =>
    ordered(value, operand) ? known((value as number) > (operand as number)) : 'unknown',
  gte: (value, operand) =>
    ordered(value, operand) ? known((value as number) >= (operand as number)) : 'unknown',
  lt: (value, operand) =>
    ordered(value, operand) ? known((value as number) < (operand as number)) : 'unknown',
  lte: (value, operand) =>
    ordered(value, operand) ? known((value as number) <= (operand as number)) : 'unknown',
  startsWith: (value, operand) =>
    typeof value === 'string' && typeof operand === 'string' ? known(value.startsWith(operand)) : 'unknown',
  endsWith: (value, operand) =>
    typeof value === 'string' && typeof operand === 'string' ? known(value.endsWith(operand)) : 'unknown',
  contains: (value, operand) => {
    if (typeof value === 'string')
      return typeof operand === 'string' ? known(value.includes(operand)) : 'unknown';
    return Array.isArray(value) ? known(value.some((item) => jsonEqual(item, operand))) : 'unknown';
  },
};

/** Numbers with numbers (finite), strings with strings (code-unit order, right for ISO-8601 times). */
function ordered(value: unknown, operand: unknown): boolean {
  if (typeof value === 'number')
    return typeof operand === 'number' && Number.isFinite(value) && Number.isFinite(operand);
  return typeof value === 'string' && typeof operand === 'string';
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) if (!jsonEqual(a[index], b[index])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
