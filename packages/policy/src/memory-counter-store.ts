import { type CounterStore, createExpiringMap } from '@palisade/core';

/** Options for `createMemoryCounterStore`. */
export interface MemoryCounterStoreOptions {
  /**
   * The most counters (limit and key combinations with a window in progress) held at once. Default
   * 100,000. A counter is dropped when its window ends; at the cap, a call that would start a new
   * counter is refused (`consume` throws `StoreFullError`, which denies the call) until one does.
   */
  readonly maxCounters?: number | undefined;
  /** How often ended windows are swept while the store is not used (milliseconds). Default 60 s. */
  readonly sweepIntervalMs?: number | undefined;
  /** The clock of the timed sweep (epoch milliseconds): the one the callers' `now` comes from. */
  readonly now?: (() => number) | undefined;
}

/** An in-process `CounterStore` with bounded memory. */
export interface MemoryCounterStore extends CounterStore {
  /** Counters held now (ended windows not yet swept included). */
  readonly size: number;
  /** Stops the sweep timer. */
  dispose(): void;
}

/**
 * Creates an in-process `CounterStore` with fixed windows. `consume` is atomic within the process (it
 * never awaits between reading and writing), so concurrent calls never overshoot the limit. Memory is
 * bounded: a counter lives until its window ends, and at `maxCounters` new counters are refused
 * rather than the store growing. Use the Redis store when several replicas must share one limit.
 *
 * @example
 * ```ts
 * const counters = createMemoryCounterStore({ maxCounters: 50_000 });
 * await counters.consume({ key: 'refunds|user=alice', amount: 250, limit: 500, windowMs: 86_400_000, now: Date.now() });
 * ```
 */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): MemoryCounterStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMemoryCounterStore(): options must be an object');
  const counters = createExpiringMap<{ window: number; total: number }>({
    store: 'counter store',
    maxEntries: options.maxCounters ?? 100_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    now: options.now,
  });
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
      const entry = counters.get(key, now);
      const current = entry && entry.window === window ? entry.total : 0;
      if (current + amount > limit) return { allowed: false, total: current };
      counters.set(key, { window, total: current + amount }, window + windowMs, now);
      return { allowed: true, total: current + amount };
    },
    async peek({ key, windowMs, now }) {
      check(windowMs, now);
      const entry = counters.get(key, now);
      return entry && entry.window === windowOf(now, windowMs) ? entry.total : 0;
    },
    async reset(key) {
      counters.delete(key);
    },
    get size() {
      return counters.size;
    },
    dispose() {
      counters.dispose();
    },
  };
}
