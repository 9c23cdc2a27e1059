/**
 * Paths into the facts a condition can see: `input.amount`, `principal.user.tenant`,
 * `context.labels`, `input.items[0].sku`, `context.attributes["x-team"]`.
 */

/** The roots a path may start from. */
export const PATH_ROOTS: readonly string[] = Object.freeze(['input', 'principal', 'resource', 'context']);

const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** A parsed path: the root, then property names and array indices. */
export type PathSegments = readonly (string | number)[];

/** Parses a path, or returns a message saying what was expected. */
export function parsePath(
  path: string,
): { ok: true; segments: PathSegments } | { ok: false; message: string } {
  const segments: (string | number)[] = [];
  let index = 0;
  let expectName = true;
  while (index < path.length) {
    const char = path[index];
    if (char === '[') {
      const close = path.indexOf(']', index);
      if (close === -1) return { ok: false, message: `unclosed "[" in path "${path}"` };
      const inner = path.slice(index + 1, close);
      if (/^\d{1,9}$/.test(inner)) segments.push(Number(inner));
      else if (/^"[^"\\]*"$/.test(inner)) segments.push(inner.slice(1, -1));
      else return { ok: false, message: `expected [index] or ["key"] in path "${path}", got [${inner}]` };
      index = close + 1;
      expectName = false;
      continue;
    }
    if (char === '.') {
      if (expectName) return { ok: false, message: `empty segment in path "${path}"` };
      expectName = true;
      index += 1;
      continue;
    }
    if (!expectName) return { ok: false, message: `expected "." or "[" in path "${path}" at ${index}` };
    const match = /^[A-Za-z_$][\w$-]*/.exec(path.slice(index));
    if (!match) return { ok: false, message: `expected a property name in path "${path}" at ${index}` };
    segments.push(match[0]);
    index += match[0].length;
    expectName = false;
  }
  if (expectName) return { ok: false, message: `path "${path}" ends where a property name was expected` };
  const root = segments[0];
  if (typeof root !== 'string' || !PATH_ROOTS.includes(root)) {
    return { ok: false, message: `path "${path}" must start with one of ${PATH_ROOTS.join(', ')}` };
  }
  for (const segment of segments) {
    if (typeof segment === 'string' && FORBIDDEN.has(segment)) {
      return { ok: false, message: `path "${path}" uses the reserved name "${segment}"` };
    }
  }
  return { ok: true, segments };
}

/** Reads a parsed path from `facts`, following own properties only. Missing -> `undefined`. */
export function readPath(facts: unknown, segments: PathSegments): unknown {
  let value: unknown = facts;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(value)) return undefined;
      value = value[segment];
    } else {
      if (Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return value;
}

/** Compiles a read of one parsed path, unrolled for the common depths. */
export function compileRead(segments: PathSegments): (facts: unknown) => unknown {
  if (segments.length === 2 && segments.every((segment) => typeof segment === 'string')) {
    const [a, b] = segments as [string, string];
    return (facts) => {
      const first = own(facts, a);
      return own(first, b);
    };
  }
  if (segments.length === 3 && segments.every((segment) => typeof segment === 'string')) {
    const [a, b, c] = segments as [string, string, string];
    return (facts) => own(own(own(facts, a), b), c);
  }
  return (facts) => readPath(facts, segments);
}

function own(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
