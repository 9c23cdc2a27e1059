import type { Comparison, Condition, ProvenanceSource } from '../policy-document.js';
import type { PolicyFacts, PolicyPredicate } from '../policy-facts.js';
import { compileGlob } from './glob.js';
import { compileRead, parsePath } from './path.js';
import { compileProvenance } from './provenance.js';
import { isReference } from './validate-document.js';

/** A compiled condition: a fast test, and a slower one that says why. */
export interface CompiledCondition {
  test(facts: PolicyFacts): boolean;
  explain(facts: PolicyFacts): { readonly result: boolean; readonly detail: string };
}

/** What compiling needs besides the condition. */
export interface ConditionEnvironment {
  readonly predicates: ReadonlyMap<string, PolicyPredicate>;
  readonly sources: Readonly<Record<string, ProvenanceSource>>;
}

/** Compiles a validated condition. Throws `TypeError` for a predicate the environment lacks. */
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
    else parts.push(comparePath(key, value as Comparison | string | number | boolean | null, environment));
  }
  return parts.length === 1 ? (parts[0] as CompiledCondition) : allOf(parts);
}

function allOf(parts: readonly CompiledCondition[]): CompiledCondition {
  return {
    test(facts) {
      for (const part of parts) if (!part.test(facts)) return false;
      return true;
    },
    explain(facts) {
      const details: string[] = [];
      for (const part of parts) {
        const outcome = part.explain(facts);
        if (!outcome.result) return { result: false, detail: outcome.detail };
        details.push(outcome.detail);
      }
      return { result: true, detail: details.join(' and ') };
    },
  };
}

function anyOf(parts: readonly CompiledCondition[]): CompiledCondition {
  return {
    test(facts) {
      for (const part of parts) if (part.test(facts)) return true;
      return false;
    },
    explain(facts) {
      const details: string[] = [];
      for (const part of parts) {
        const outcome = part.explain(facts);
        if (outcome.result) return { result: true, detail: outcome.detail };
        details.push(outcome.detail);
      }
      return { result: false, detail: `none of (${details.join('; ')})` };
    },
  };
}

function negate(part: CompiledCondition): CompiledCondition {
  return {
    test: (facts) => !part.test(facts),
    explain(facts) {
      const outcome = part.explain(facts);
      return { result: !outcome.result, detail: `not (${outcome.detail})` };
    },
  };
}

function predicate(name: string, environment: ConditionEnvironment): CompiledCondition {
  const fn = environment.predicates.get(name);
  if (!fn) throw new TypeError(`The policy names predicate "${name}", which was not given to the engine`);
  const run = (facts: PolicyFacts): boolean => {
    const result = fn(facts);
    if (typeof result !== 'boolean')
      throw new TypeError(`Predicate "${name}" returned ${typeof result}, not a boolean`);
    return result;
  };
  return {
    test: run,
    explain(facts) {
      const result = run(facts);
      return { result, detail: `predicate ${name} is ${result}` };
    },
  };
}

type Test = (value: unknown, facts: PolicyFacts) => boolean;

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
    test(facts) {
      const value = read(facts);
      for (const { test } of tests) if (!test(value, facts)) return false;
      return true;
    },
    explain(facts) {
      const value = read(facts);
      for (const { operator, operand, test } of tests) {
        const operandText = isReference(operand)
          ? `${operand.ref} (${show(resolveReference(operand.ref, facts))})`
          : show(operand);
        if (!test(value, facts))
          return {
            result: false,
            detail: `${path} ${operator} ${operandText} is false (value ${show(value)})`,
          };
      }
      return {
        result: true,
        detail: `${path} ${tests.map((item) => `${item.operator} ${show(item.operand)}`).join(', ')} holds`,
      };
    },
  };
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

/**
 * Compiles one operator. A missing (undefined) value fails every operator but `exists: false`, and a
 * missing reference fails the comparison: absence never satisfies a test by accident.
 */
function compileTest(operator: string, operand: unknown, environment: ConditionEnvironment): Test {
  if (operator === 'exists') {
    const wanted = operand === true;
    return (value) => (value !== undefined && value !== null) === wanted;
  }
  if (operator === 'matches') {
    const globs = (typeof operand === 'string' ? [operand] : (operand as string[])).map(compileGlob);
    return (value) => typeof value === 'string' && globs.some((glob) => glob(value));
  }
  if (operator === 'providedBy') {
    const check = compileProvenance(
      typeof operand === 'string' ? [operand] : (operand as string[]),
      environment.sources,
    );
    return (value, facts) => value !== undefined && check(value, facts.context);
  }
  const binary = BINARY[operator];
  if (!binary) throw new TypeError(`Unknown comparison "${operator}"`);
  if (isReference(operand)) {
    const parsed = parsePath(operand.ref);
    if (!parsed.ok) throw new TypeError(parsed.message);
    const readOperand = compileRead(parsed.segments);
    return (value, facts) => {
      const other = readOperand(facts);
      return value !== undefined && other !== undefined && binary(value, other);
    };
  }
  return (value) => value !== undefined && binary(value, operand);
}

const BINARY: Readonly<Record<string, (value: unknown, operand: unknown) => boolean>> = {
  eq: (value, operand) => jsonEqual(value, operand),
  ne: (value, operand) => !jsonEqual(value, operand),
  in: (value, operand) => Array.isArray(operand) && operand.some((item) => jsonEqual(value, item)),
  notIn: (value, operand) => Array.isArray(operand) && !operand.some((item) => jsonEqual(value, item)),
  gt: (value, operand) => ordered(value, operand) && (value as number) > (operand as number),
  gte: (value, operand) => ordered(value, operand) && (value as number) >= (operand as number),
  lt: (value, operand) => ordered(value, operand) && (value as number) < (operand as number),
  lte: (value, operand) => ordered(value, operand) && (value as number) <= (operand as number),
  startsWith: (value, operand) =>
    typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand),
  endsWith: (value, operand) =>
    typeof value === 'string' && typeof operand === 'string' && value.endsWith(operand),
  contains: (value, operand) => {
    if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand);
    return Array.isArray(value) && value.some((item) => jsonEqual(item, operand));
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
