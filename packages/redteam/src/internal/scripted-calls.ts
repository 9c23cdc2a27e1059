import { renderEnvironment } from '../render-environment.js';
import type { ScriptedCall } from '../suite-facts.js';

/** Text a scripted benign agent writes where the ground truth has a placeholder (`<summary>`). */
export const WRITTEN_TEXT = 'Here is what I found, in my own words.';

/**
 * Maps the strings of the default environment that hold an injection vector to what they read in
 * the rendered one (the channel `External_0` is named `External_<attack text>` under attack), so a
 * ground truth computed on the default environment names the same things in an attacked one.
 */
export function valueMap(
  template: unknown,
  defaults: Record<string, string>,
  values: Record<string, string>,
) {
  const map = new Map<string, string>();
  const before = renderEnvironment(template, defaults);
  const after = renderEnvironment(template, values);
  const walk = (a: unknown, b: unknown) => {
    if (typeof a === 'string' && typeof b === 'string') {
      if (a !== b && a.length <= 64) map.set(a, b);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      for (const [index, item] of a.entries()) walk(item, b[index]);
    } else if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const keysB = Object.keys(b);
      for (const [index, key] of Object.keys(a).entries()) {
        const renamed = keysB[index] ?? key;
        if (key !== renamed && key.length <= 64) map.set(key, renamed);
        walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[renamed]);
      }
    }
  };
  walk(before, after);
  return map;
}

/** The call as the scripted agent makes it: mapped names, placeholders written out. */
export function resolveCall(call: ScriptedCall, map: ReadonlyMap<string, string>): ScriptedCall {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(call.args)) {
    if (typeof value === 'string' && (/^<[^<>]+>$/.test(value) || value === '...')) args[key] = WRITTEN_TEXT;
    else if (typeof value === 'string' && map.has(value)) args[key] = map.get(value);
    else args[key] = value;
  }
  return { function: call.function, args };
}

/** The ground-truth call with mapped names but placeholders kept (what a strict reviewer expects). */
export function expectedCall(call: ScriptedCall, map: ReadonlyMap<string, string>): ScriptedCall {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(call.args)) {
    args[key] = typeof value === 'string' && map.has(value) ? map.get(value) : value;
  }
  return { function: call.function, args };
}
