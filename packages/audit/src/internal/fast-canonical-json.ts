import { canonicalJson } from '@palisade/core';

/**
 * RFC 8785 canonical JSON, the same text as `canonicalJson` from `@palisade/core`, made cheap for
 * the audit write path. Where every object's keys are already in code-unit order and the tree
 * holds nothing but plain objects, arrays, strings, finite numbers, booleans and null (the shape
 * of every record Palisade builds itself), `JSON.stringify` produces exactly the canonical text and
 * runs natively; anything else goes through core's `canonicalJson`. Verification always uses core's
 * `canonicalJson`, and a property test holds the two together.
 */
export function fastCanonicalJson(value: unknown): string {
  return isCanonicalShape(value, 0) ? JSON.stringify(value) : canonicalJson(value);
}

// Deeper trees (or cycles) take the careful path.
const MAX_DEPTH = 64;

function isCanonicalShape(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      // `undefined` (or a hole) is an error for canonicalJson and `null` for JSON.stringify.
      if (item === undefined || !isCanonicalShape(item, depth + 1)) return false;
    }
    return true;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return false;
  const keys = Object.keys(record);
  let previous: string | undefined;
  for (const key of keys) {
    // JSON.stringify follows property order (integer-like keys first): it must already be sorted.
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    const item = record[key];
    if (item !== undefined && !isCanonicalShape(item, depth + 1)) return false;
  }
  return true;
}
