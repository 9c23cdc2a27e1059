import type { Duration } from '../policy-document.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Converts a validated duration (`30s`, `10m`, or milliseconds) to milliseconds. */
export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!match) throw new TypeError(`Invalid duration "${duration}"`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
