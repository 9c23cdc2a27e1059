/**
 * A deep, frozen copy of a validated input, taken once, so that what policy decides on, what a
 * human approves and what the tool body runs on are the same value, whatever the caller does to its
 * own objects meanwhile. Plain objects and arrays (all a tool input from a model is) are copied
 * directly; anything else (Date, Map, typed arrays...) goes through `structuredClone`. A value that
 * cannot be copied (a function, a symbol) throws a `TypeError`: the call is refused rather than run
 * on something that may still change.
 */
export function snapshotInput<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (error) {
    // Very deep (or cyclic) input: one `structuredClone` copes with both.
    if (error instanceof DeepInput) return cloneFrozen(value);
    throw error;
  }
}

/** Deeper than this, the copy starts over with `structuredClone` (which also handles cycles). */
const MAX_DIRECT_DEPTH = 64;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`A tool input must be data; it holds a ${typeof value}`);
    }
    return value;
  }
  if (depth > MAX_DIRECT_DEPTH) throw new DeepInput();
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) out[index] = copy(value[index], depth + 1);
    return Object.freeze(out);
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) {
    const out: Record<string, unknown> = prototype === null ? Object.create(null) : {};
    for (const key of Object.keys(value)) {
      out[key] = copy((value as Record<string, unknown>)[key], depth + 1);
    }
    return Object.freeze(out);
  }
  return cloneFrozen(value);
}

class DeepInput extends Error {}

function cloneFrozen<T>(value: T): T {
  let clone: T;
  try {
    clone = structuredClone(value);
  } catch (error) {
    // The clone error quotes the value (a function's source): keep it as the cause only.
    throw new TypeError('A tool input must be data that can be copied', { cause: error });
  }
  return freezeDeep(clone) as T;
}

/** Freezes what can be frozen; typed arrays cannot be, but they are private copies already. */
function freezeDeep(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value;
  for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key], seen);
  return Object.freeze(value);
}
