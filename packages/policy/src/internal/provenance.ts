import { normalizeValue, type RequestContext, userValues } from '@palisade/core';
import type { ProvenanceSource } from '../policy-document.js';

/** Tells whether a value was provided by the named sources, given a request's context. */
export type ProvenanceCheck = (value: unknown, context: RequestContext) => boolean;

/**
 * Builds the check behind `providedBy`. `user` accepts the user's own messages and every trusted
 * source; a source name accepts that source. Every comparison is between whole values in their
 * normalised form (core's `normalizeValue`): a source's values (static ones from the policy plus
 * `context.attributes.sources[name]` for this call) compared whole, and in the user's messages only
 * the whole values written there (core's `valueTokens`: an e-mail, IBAN, URL, number, id or quoted
 * string). A common word (`about`, `the`) or a part of a longer value is never "provided".
 */
export function compileProvenance(
  names: readonly string[],
  sources: Readonly<Record<string, ProvenanceSource>>,
): ProvenanceCheck {
  const includeUser = names.includes('user');
  const sourceNames = new Set(names.filter((name) => name !== 'user'));
  if (includeUser) {
    for (const [name, source] of Object.entries(sources)) if (source.trusted) sourceNames.add(name);
  }
  const staticValues = new Set<string>();
  for (const name of sourceNames) {
    for (const value of sources[name]?.values ?? []) {
      const normalised = normalizeValue(value);
      if (normalised !== undefined) staticValues.add(normalised);
    }
  }
  const dynamicNames = [...sourceNames];
  // The user's values are the same for every test of one request: tokenise its messages once.
  const userCache = new WeakMap<readonly string[], Set<string>>();

  const providedOne = (raw: unknown, context: RequestContext): boolean => {
    const value = normalizeValue(raw);
    if (value === undefined) return false;
    if (staticValues.has(value)) return true;
    const perCall = context.attributes.sources;
    if (typeof perCall === 'object' && perCall !== null) {
      for (const name of dynamicNames) {
        const values = Object.hasOwn(perCall, name) ? (perCall as Record<string, unknown>)[name] : undefined;
        if (Array.isArray(values) && values.some((item) => normalizeValue(item) === value)) return true;
      }
    }
    if (includeUser) {
      let given = userCache.get(context.userMessages);
      if (given === undefined) {
        given = userValues(context.userMessages);
        userCache.set(context.userMessages, given);
      }
      if (given.has(value)) return true;
    }
    return false;
  };

  return (value, context) => {
    if (Array.isArray(value)) return value.length > 0 && value.every((item) => providedOne(item, context));
    return providedOne(value, context);
  };
}
