import type { CounterStore } from '@palisade/core';

/**
 * Creates an in-process `CounterStore` with fixed windows. `consume` is atomic within the process (it
 * never awaits between reading and writing), so concurrent calls never overshoot the limit. Use the
 * Redis store when several replicas must share one limit.
 *
 * @example
 * ```ts
 * const counters = createMemoryCounterStore();
 * await counters.consume({ key: 'refunds|user=alice', amount: 250, limit: 500, windowMs: 86_400_000, now: Date.now() });
 * ```
 */
export function createMemoryCounterStore(): CounterStore {
  const counters = new Map<string, { window: number; total: number }>();
  const windowOf = (now: number, windowMs: number) => Math.floor(now / windowMs) * windowMs;
  const check = (windowMs: number, now: number) => {
    if (!Number.isFinite(windowMs) || windowMs <= 0)
      throw new TypeError('windowMs must be a positive number');
    if (!Number.isFinite(now)) throw new TypeError('now must be a finite number');
  };
  return {
    async consume({ key, amount, limit, windowMs, now }) {
      check(windowMs, now);
      if (!Number.isFinite(amount) || amount <= 0) throw new TypeError('amount must be a positive number');
      if (!Number.isFinite(limit)) throw new TypeError('limit must be a finite number');
      const window = windowOf(now, windowMs);
      const entry = counters.get(key);
      const current = entry && entry.window === window ? entry.total : 0;
      if (current + amount > limit) return { allowed: false, total: current };
      counters.set(key, { window, total: current + amount });
      return { allowed: true, total: current + amount };
    },
    async peek({ key, windowMs, now }) {
      check(windowMs, now);
      const entry = counters.get(key);
      return entry && entry.window === windowOf(now, windowMs) ? entry.total : 0;
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}
