import type { PolicyFacts } from '../policy-facts.js';
import type { CompiledCondition, Truth } from './condition.js';

/**
 * Compiles the `critical` key: a comparison that must hold for every critical argument the request
 * carries. Which arguments are critical is the catalog's (`resource.critical`), so the comparison is
 * compiled once per argument name the catalog uses. An absent or null argument is skipped (it
 * directs nothing); a tool without critical arguments holds the test trivially.
 */
export function compileCritical(
  names: readonly string[],
  compileFor: (path: string) => CompiledCondition,
): CompiledCondition {
  const perName = new Map<string, CompiledCondition>();
  for (const name of names) perName.set(name, compileFor(`input[${JSON.stringify(name)}]`));
  const present = (facts: PolicyFacts): CompiledCondition[] => {
    const input = facts.input;
    const parts: CompiledCondition[] = [];
    for (const name of facts.resource.critical ?? []) {
      const value =
        typeof input === 'object' && input !== null && Object.hasOwn(input, name)
          ? (input as Record<string, unknown>)[name]
          : undefined;
      if (value === undefined || value === null) continue;
      const part = perName.get(name);
      // A name the compiled policy does not know cannot be tested: the result is unknown.
      parts.push(part ?? UNKNOWN);
    }
    return parts;
  };
  return {
    evaluate(facts) {
      let result: Truth = 'true';
      for (const part of present(facts)) {
        const outcome = part.evaluate(facts);
        if (outcome === 'false') return 'false';
        if (outcome === 'unknown') result = 'unknown';
      }
      return result;
    },
    explain(facts) {
      const parts = present(facts);
      if (parts.length === 0) return { result: 'true', detail: 'no critical argument present' };
      const details: string[] = [];
      let result: Truth = 'true';
      for (const part of parts) {
        const outcome = part.explain(facts);
        if (outcome.result === 'false') return { result: 'false', detail: `critical ${outcome.detail}` };
        if (outcome.result === 'unknown') result = 'unknown';
        details.push(outcome.detail);
      }
      return { result, detail: `critical ${details.join(' and ')}` };
    },
  };
}

const UNKNOWN: CompiledCondition = {
  evaluate: () => 'unknown',
  explain: () => ({ result: 'unknown', detail: 'a critical argument the policy was not compiled for' }),
};
