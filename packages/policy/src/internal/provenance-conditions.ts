import {
  isDistinctiveToken,
  normalizeValue,
  type ProvenanceView,
  type RequestContext,
  userValues,
  valueTokens,
} from '@palisade/core';
import type { ProvenanceSource } from '../policy-document.js';
import type { PolicyFacts } from '../policy-facts.js';

type Truth = 'true' | 'false' | 'unknown';

/** The origins a session's provenance knows of; any other name in `from` is a tool or a source. */
export const ORIGINS: ReadonlySet<string> = new Set(['user', 'trusted', 'untrusted', 'requested']);

/** The comparisons that read the session's provenance. */
export const PROVENANCE_OPERATORS: ReadonlySet<string> = new Set(['from', 'carries', 'embeds']);

/** A compiled provenance comparison on one value. */
export type ProvenanceTest = (value: unknown, facts: PolicyFacts) => Truth;

const MAX_DEPTH = 32;
const MAX_LEAVES = 2_000;

/**
 * Compiles `from`, `carries` or `embeds`. Each is unknown when it would need the session's
 * provenance and the request has none (no store, or no session), or when the answer depends on
 * "never seen" and the session's provenance is incomplete: so a deny rule applies and an allow rule
 * does not.
 */
export function compileProvenanceTest(
  operator: string,
  operand: unknown,
  sources: Readonly<Record<string, ProvenanceSource>>,
): ProvenanceTest {
  const names = typeof operand === 'string' ? [operand] : (operand as readonly string[]);
  const lookup = createLookup(sources);
  if (operator === 'from') return fromTest(new Set(names), lookup, sources);
  if (operator === 'carries') return carriesTest(new Set(names));
  if (operator === 'embeds') return embedsTest(new Set(names), lookup);
  throw new TypeError(`Unknown provenance comparison "${operator}"`);
}

interface Lookup {
  /** The origins (and tool and source names) a normalised value has in this request. */
  origins(value: string, context: RequestContext): Set<string>;
}

function createLookup(sources: Readonly<Record<string, ProvenanceSource>>): Lookup {
  const fixed = new Map<string, string[]>();
  for (const [name, source] of Object.entries(sources)) {
    for (const raw of source.values ?? []) {
      const value = normalizeValue(raw);
      if (value === undefined) continue;
      fixed.set(value, [...(fixed.get(value) ?? []), name]);
    }
  }
  // One set of the user's values per request: every test of one decision reads the same array.
  const userCache = new WeakMap<readonly string[], Set<string>>();
  const given = (messages: readonly string[]): Set<string> => {
    let found = userCache.get(messages);
    if (found === undefined) {
      found = userValues(messages);
      userCache.set(messages, found);
    }
    return found;
  };
  const addSource = (found: Set<string>, name: string): void => {
    found.add(name);
    found.add(sources[name]?.trusted === true ? 'trusted' : 'untrusted');
  };
  return {
    origins(value, context) {
      const found = new Set<string>();
      if (given(context.userMessages).has(value)) found.add('user');
      for (const name of fixed.get(value) ?? []) addSource(found, name);
      const perCall = context.attributes.sources;
      if (typeof perCall === 'object' && perCall !== null) {
        for (const name of Object.keys(sources)) {
          const values = Object.hasOwn(perCall, name)
            ? (perCall as Record<string, unknown>)[name]
            : undefined;
          if (Array.isArray(values) && values.some((item) => normalizeValue(item) === value))
            addSource(found, name);
        }
      }
      for (const seen of context.provenance?.find(value) ?? []) {
        found.add(seen.origin);
        found.add(seen.tool);
      }
      return found;
    },
  };
}

function fromTest(
  wanted: ReadonlySet<string>,
  lookup: Lookup,
  sources: Readonly<Record<string, ProvenanceSource>>,
): ProvenanceTest {
  // Only `user` and declared sources can be answered without the session's provenance.
  const needsSession = [...wanted].some((name) => name !== 'user' && !Object.hasOwn(sources, name));
  const one = (item: unknown, context: RequestContext): Truth => {
    const value = normalizeValue(item);
    if (value === undefined) return 'unknown';
    for (const origin of lookup.origins(value, context)) if (wanted.has(origin)) return 'true';
    if (needsSession && !isComplete(context.provenance)) return 'unknown';
    return 'false';
  };
  return (value, facts) => {
    if (!Array.isArray(value)) return one(value, facts.context);
    if (value.length === 0) return 'unknown';
    let result: Truth = 'true';
    for (const item of value) {
      const outcome = one(item, facts.context);
      if (outcome === 'false') return 'false';
      if (outcome === 'unknown') result = 'unknown';
    }
    return result;
  };
}

function carriesTest(labels: ReadonlySet<string>): ProvenanceTest {
  return (value, facts) => {
    const view = facts.context.provenance;
    if (value === undefined || view === undefined) return 'unknown';
    const inside = distinctiveValues(value);
    for (const token of inside.values) {
      for (const seen of view.find(token)) if (seen.labels.some((label) => labels.has(label))) return 'true';
    }
    return view.complete && inside.complete ? 'false' : 'unknown';
  };
}

function embedsTest(origins: ReadonlySet<string>, lookup: Lookup): ProvenanceTest {
  return (value, facts) => {
    const context = facts.context;
    if (value === undefined || context.provenance === undefined) return 'unknown';
    const inside = distinctiveValues(value);
    for (const token of inside.values) {
      const found = [...lookup.origins(token, context)].filter((origin) => ORIGINS.has(origin));
      if (found.length > 0 && found.every((origin) => origins.has(origin))) return 'true';
    }
    return context.provenance.complete && inside.complete ? 'false' : 'unknown';
  };
}

function isComplete(view: ProvenanceView | undefined): boolean {
  return view?.complete === true;
}

/**
 * The distinctive values in a value (see core's `isDistinctiveToken`): those of every string at
 * any depth, bounded. Plain numbers and words are left out: too common to say where a text came from.
 */
function distinctiveValues(value: unknown): { values: Set<string>; complete: boolean } {
  const found = new Set<string>();
  let leaves = 0;
  let complete = true;
  const visit = (item: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || leaves >= MAX_LEAVES) {
      complete = false;
      return;
    }
    if (typeof item === 'string') {
      leaves += 1;
      for (const token of valueTokens(item)) {
        if (!isDistinctiveToken(token)) continue;
        found.add(token.value);
        if (token.kind === 'url') for (const part of urlParts(token.value)) found.add(part);
      }
      return;
    }
    if (typeof item === 'object' && item !== null) {
      for (const child of Array.isArray(item) ? item : Object.values(item)) visit(child, depth + 1);
    }
  };
  visit(value, 0);
  return { values: found, complete };
}

/**
 * The distinctive values inside a URL: its host, and what its path segments and query carry
 * (`www.x.example/p?key=1a7b3d` holds `www.x.example` and `1a7b3d`), so a value cannot travel
 * unseen inside a link.
 */
function urlParts(url: string): string[] {
  const parts: string[] = [];
  const host = url.split(/[/?#]/, 1)[0];
  if (host !== undefined && host !== url) {
    const normalised = normalizeValue(host);
    if (normalised !== undefined) parts.push(normalised);
  }
  for (const piece of url.slice(host?.length ?? 0).split(/[/?&=#+;,]/)) {
    if (piece === '') continue;
    let text = piece;
    try {
      text = decodeURIComponent(piece);
    } catch {
      // A malformed escape is looked at as written.
    }
    for (const token of valueTokens(text)) if (isDistinctiveToken(token)) parts.push(token.value);
  }
  return parts;
}
