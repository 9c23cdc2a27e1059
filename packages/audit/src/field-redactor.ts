/** What a redactor is told about the content it cleans. */
export interface RedactionContext {
  /** The tool, retriever or action the content belongs to. */
  readonly tool: string;
  /**
   * Whether the content is the call's input, its output, or the message of an error it ended with
   * (a string, captured only with content capture on).
   */
  readonly field: 'input' | 'output' | 'error';
}

/**
 * Cleans content before it is captured in a span or an audit record. Field-level redaction is one;
 * content detectors (PII, secrets) plug in through the same interface.
 */
export interface ContentRedactor {
  /** Returns a copy of `value` with sensitive parts replaced; never mutates `value`. */
  redact(value: unknown, context: RedactionContext): unknown;
}

/** What a redacted field is replaced with. */
export const REDACTED = '[REDACTED]';

type Pattern = readonly string[];

/**
 * Creates a redactor that replaces the fields named by `paths` with `"[REDACTED]"`.
 *
 * A path is a dotted list of keys; `items[0]` and `items[*]` address array elements, `*` matches any
 * one key or index and `**` any number of them, so `**.password` redacts every `password` field at
 * any depth. Redaction works on a copy; the original value is left untouched.
 *
 * @example
 * ```ts
 * const redactor = createFieldRedactor(['card.number', 'recipients[*].email', '**.password']);
 * redactor.redact({ card: { number: '4111', brand: 'visa' } }, { tool: 'pay', field: 'input' });
 * // { card: { number: '[REDACTED]', brand: 'visa' } }
 * ```
 */
export function createFieldRedactor(paths: readonly string[]): ContentRedactor {
  if (!Array.isArray(paths)) throw new TypeError('createFieldRedactor(): paths must be an array of strings');
  const patterns = paths.map(parsePath);
  return {
    redact(value) {
      return patterns.length === 0 ? value : redactValue(value, patterns, new Set());
    },
  };
}

function parsePath(path: unknown, index: number): Pattern {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new TypeError(`createFieldRedactor(): paths[${index}] must be a non-empty string`);
  }
  const segments = path
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
  if (segments.length === 0) throw new TypeError(`createFieldRedactor(): paths[${index}] names no field`);
  if (segments.at(-1) === '**') {
    throw new TypeError(
      `createFieldRedactor(): paths[${index}] cannot end with "**" (it would redact everything)`,
    );
  }
  return segments;
}

/** Advances every pattern over `key`; `hit` when one of them ends exactly there. */
function step(patterns: readonly Pattern[], key: string): { next: Pattern[]; hit: boolean } {
  const next: Pattern[] = [];
  let hit = false;
  const visit = (pattern: Pattern): void => {
    const [head, ...rest] = pattern;
    if (head === undefined) return;
    if (head === '**') {
      next.push(pattern);
      visit(rest);
      return;
    }
    if (head === '*' || head === key) {
      if (rest.length === 0) hit = true;
      else next.push(rest);
    }
  };
  for (const pattern of patterns) visit(pattern);
  return { next, hit };
}

function redactValue(value: unknown, patterns: readonly Pattern[], seen: Set<object>): unknown {
  if (patterns.length === 0 || typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item, index) => {
        const { next, hit } = step(patterns, String(index));
        return hit ? REDACTED : redactValue(item, next, seen);
      });
    }
    const source =
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
        ? (value as { toJSON(): unknown }).toJSON()
        : value;
    if (typeof source !== 'object' || source === null) return source;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      const { next, hit } = step(patterns, key);
      copy[key] = hit ? REDACTED : redactValue(item, next, seen);
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}
