import type { RequestContext } from '@palisade/core';
import type { ProvenanceSource } from '../policy-document.js';

/** Tells whether a value was provided by the named sources, given a request's context. */
export type ProvenanceCheck = (value: unknown, context: RequestContext) => boolean;

// Characters that continue a token: a value found next to one of them is part of something longer.
const CONTINUES = /[\p{L}\p{N}_@+\-/%]/u;
// Characters that continue a token only when followed by a letter or digit (`a.b`, `host:8080`).
const JOINS = /[.:]/;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;

/** Unicode-normalised, case-folded, trimmed form used for every comparison. */
export function normalizeText(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim();
}

/**
 * Builds the check behind `providedBy`. `user` accepts the user's own messages and every trusted
 * source; a source name accepts that source. Sources hold discrete values (static ones from the policy
 * plus `context.attributes.sources[name]` for this call) compared whole; messages are free text in
 * which the value must occur as a whole token, not inside a longer one.
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
  for (const name of sourceNames)
    for (const value of sources[name]?.values ?? []) staticValues.add(normalizeText(value));
  const dynamicNames = [...sourceNames];

  const providedOne = (raw: unknown, context: RequestContext): boolean => {
    let value: string;
    if (typeof raw === 'string') value = normalizeText(raw);
    else if (typeof raw === 'number' && Number.isFinite(raw)) value = String(raw);
    else return false;
    if (value === '') return false;
    if (staticValues.has(value)) return true;
    const perCall = context.attributes.sources;
    if (typeof perCall === 'object' && perCall !== null) {
      for (const name of dynamicNames) {
        const values = Object.hasOwn(perCall, name) ? (perCall as Record<string, unknown>)[name] : undefined;
        if (
          Array.isArray(values) &&
          values.some((item) => typeof item === 'string' && normalizeText(item) === value)
        ) {
          return true;
        }
      }
    }
    if (includeUser) {
      for (const message of context.userMessages) {
        if (typeof message === 'string' && occursAsToken(normalizeText(message), value)) return true;
      }
    }
    return false;
  };

  return (value, context) => {
    if (Array.isArray(value)) return value.length > 0 && value.every((item) => providedOne(item, context));
    return providedOne(value, context);
  };
}

/** True when `needle` occurs in `text` with a token boundary on each side. */
export function occursAsToken(text: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at === -1) return false;
    const end = at + needle.length;
    if (boundaryBefore(text, at) && boundaryAfter(text, end)) return true;
    from = at + 1;
  }
}

function boundaryBefore(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text[at - 1] as string;
  // `x.bob@example.com` does not contain the address `bob@example.com`; `to:bob@example.com` does.
  return !CONTINUES.test(before) && before !== '.';
}

function boundaryAfter(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const after = text[end] as string;
  if (CONTINUES.test(after)) return false;
  if (JOINS.test(after)) return !ALPHANUMERIC.test(text[end + 1] ?? '');
  return true;
}
