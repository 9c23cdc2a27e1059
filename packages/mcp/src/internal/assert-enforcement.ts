import type { Enforcement } from '@palisade/core';

/** Checks, once at creation, that the enforcement has the parts `guard()` requires. */
export function assertEnforcement(caller: string, palisade: Enforcement): void {
  if (typeof palisade !== 'object' || palisade === null) {
    throw new TypeError(`${caller}: palisade must be an Enforcement (the object createPalisade() returns)`);
  }
  for (const [key, method] of [
    ['verifier', 'verify'],
    ['decider', 'decide'],
    ['recorder', 'record'],
  ] as const) {
    const part = palisade[key] as unknown as Record<string, unknown> | undefined;
    if (typeof part?.[method] !== 'function') {
      throw new TypeError(`${caller}: palisade.${key} is required and must have ${method}()`);
    }
  }
}

/** Checks an optional function option. */
export function assertOptionalFunction(caller: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${caller}: options.${name} must be a function`);
  }
}
