import type { ProvenanceRecord, RecordedValue, ValueObservation } from './provenance-store.js';
import { normalizeValue, valueTokens } from './value-tokens.js';

/** What the catalog says about one tool's output, as `guard()` needs it to record the values. */
export interface OutputDeclaration {
  readonly tool: string;
  /** `untrusted`: the output (or the fields named in `untrustedFields`) is untrusted text. */
  readonly trust: 'trusted' | 'untrusted';
  /**
   * The output fields holding untrusted text, as dotted keys (`body`, `messages.body`, `*` for any
   * one key; array positions left out). Only for untrusted tools; when absent, every field is.
   */
  readonly untrustedFields?: readonly string[] | undefined;
  /** Sensitivity labels of what the read returns (`pii`, `secret`, `financial`, custom). */
  readonly labels?: readonly string[] | undefined;
  /** The call's every argument came from the user (see `providedByUser`): its untrusted text is `requested`. */
  readonly requested?: boolean | undefined;
}

const MAX_DEPTH = 32;
const MAX_LEAVES = 10_000;
const MAX_VALUES = 5_000;
const MAX_TRUSTED_WHOLE = 512;
/** The longest string a trusted field holds as a value; a longer one is text, and untrusted. */
const MAX_TRUSTED_VALUE = 64;
const MAX_UNTRUSTED_WHOLE = 128;
const MAX_TEXT = 1_000_000;

/**
 * The values an output carries, each with where it came from: a whole field value and every value
 * written inside its text (`valueTokens`). Bounded (depth, leaves, values, text length): whatever
 * is left out makes the record incomplete, never silently complete.
 *
 * @example
 * ```ts
 * observeOutput(
 *   { from: 'alice@acme.example', body: 'Pay GB29NWBK60161331926819' },
 *   { tool: 'read_inbox', trust: 'untrusted', untrustedFields: ['body'] },
 * ); // alice@acme.example trusted, gb29nwbk60161331926819 untrusted
 * ```
 */
export function observeOutput(output: unknown, declaration: OutputDeclaration): ProvenanceRecord {
  const labels = Object.freeze([...(declaration.labels ?? [])]);
  const patterns = declaration.untrustedFields?.map((field) => field.split('.'));
  const untrustedOrigin = declaration.requested === true ? 'requested' : 'untrusted';
  const values: RecordedValue[] = [];
  const observations = new Map<string, ValueObservation>();
  let complete = true;
  let leaves = 0;

  const observation = (origin: ValueObservation['origin'], field: string): ValueObservation => {
    const key = `${origin}\u0000${field}`;
    let found = observations.get(key);
    if (found === undefined) {
      found = Object.freeze({ origin, tool: declaration.tool, field, labels });
      observations.set(key, found);
    }
    return found;
  };
  const add = (value: string | undefined, seen: ValueObservation): void => {
    if (value === undefined) return;
    if (values.length >= MAX_VALUES) {
      complete = false;
      return;
    }
    values.push({ value, observation: seen });
  };

  const visit = (value: unknown, path: readonly string[], depth: number): void => {
    if (value === null || value === undefined || typeof value === 'boolean') return;
    if (depth > MAX_DEPTH || leaves >= MAX_LEAVES) {
      complete = false;
      return;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      leaves += 1;
      const untrusted =
        declaration.trust === 'untrusted' &&
        (patterns === undefined || path.length === 0 || patterns.some((pattern) => covers(pattern, path)));
      if (typeof value !== 'string') {
        add(
          normalizeValue(Number(value)),
          observation(untrusted ? untrustedOrigin : 'trusted', path.join('.')),
        );
        return;
      }
      // A trusted field vouches for a value, not for text: a long string in one (a name anyone may
      // choose, a description) is read as untrusted text.
      const text = untrusted || value.length > MAX_TRUSTED_VALUE;
      const seen = observation(text ? untrustedOrigin : 'trusted', path.join('.'));
      const whole =
        value.length <= (text ? MAX_UNTRUSTED_WHOLE : MAX_TRUSTED_WHOLE) ? normalizeValue(value) : undefined;
      add(whole, seen);
      if (value.length > MAX_TEXT) complete = false;
      for (const token of valueTokens(value)) if (token.value !== whole) add(token.value, seen);
      return;
    }
    if (typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, path, depth + 1);
      return;
    }
    for (const key of Object.keys(value)) {
      visit((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    }
  };
  visit(output, [], 0);
  return { values, complete };
}

/** A field pattern covers a field when its keys are a prefix of the field's keys (`*` matching any one). */
function covers(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length > path.length) return false;
  for (let index = 0; index < pattern.length; index += 1) {
    const part = pattern[index];
    if (part !== '*' && part !== path[index]) return false;
  }
  return true;
}

/**
 * Whether the user pointed at what a call reads: every value in `input` (each string and number,
 * at any depth) is one of the whole values written in the user's messages (`valueTokens`), and at
 * least one of them names something (a string, not a bare number such as a page size). An input
 * with no such value is not "given by the user".
 *
 * @example
 * ```ts
 * providedByUser({ file_path: 'bill.txt' }, ["Please pay the bill 'bill.txt'"]); // true
 * providedByUser({ file_path: 'other.txt' }, ["Please pay the bill 'bill.txt'"]); // false
 * ```
 */
export function providedByUser(input: unknown, userMessages: readonly string[]): boolean {
  const given = userValues(userMessages);
  let named = 0;
  let all = true;
  const visit = (value: unknown, depth: number): void => {
    if (!all || value === null || value === undefined || typeof value === 'boolean') return;
    if (depth > MAX_DEPTH) {
      all = false;
      return;
    }
    if (typeof value === 'string' || typeof value === 'number') {
      const normalised = normalizeValue(value);
      if (normalised === undefined) return;
      if (typeof value === 'string' && !/^[-+]?[\d.,]+$/.test(value.trim())) named += 1;
      if (!given.has(normalised)) all = false;
      return;
    }
    if (typeof value === 'object') {
      for (const item of Array.isArray(value) ? value : Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(input, 0);
  return all && named > 0;
}

/** The normalised whole values written in the user's messages. */
export function userValues(userMessages: readonly string[]): Set<string> {
  const given = new Set<string>();
  for (const message of userMessages) {
    if (typeof message !== 'string') continue;
    for (const token of valueTokens(message)) given.add(token.value);
  }
  return given;
}
