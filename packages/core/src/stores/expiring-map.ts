import { StoreFullError } from './store-full-error.js';

/** Options for `createExpiringMap`. */
export interface ExpiringMapOptions {
  /** Named in the `StoreFullError` it throws (`session store`). */
  readonly store: string;
  /** The most entries it holds; a new key beyond it is refused. */
  readonly maxEntries: number;
  /**
   * Also drop every expired entry this often (milliseconds), so memory comes back while nothing
   * uses the map. The timer does not keep the process alive, stops when the map is disposed or
   * collected, and reads the time from `now`.
   */
  readonly sweepIntervalMs?: number | undefined;
  /** Epoch milliseconds, for the timed sweep. Default `Date.now()`. */
  readonly now?: (() => number) | undefined;
}

/**
 * A map whose entries expire, with a hard size cap: the memory under every in-memory store.
 * Expired entries are never returned and are dropped as the map is used (a few from the oldest end
 * per call, all of them when the cap is reached); a new key at the cap throws `StoreFullError`
 * instead of growing the map. Every operation is O(1) amortised.
 */
export interface ExpiringMap<V> {
  /** The live value, or undefined when absent or expired at `now`. */
  get(key: string, now: number): V | undefined;
  /**
   * Stores `value` until `expiresAt` (epoch milliseconds), replacing any entry of `key`. Throws
   * `StoreFullError` for a new key when the map is at its cap and nothing has expired.
   */
  set(key: string, value: V, expiresAt: number, now: number): void;
  delete(key: string): boolean;
  /** The live values, oldest write first. */
  values(now: number): V[];
  /** Drops every entry expired at `now`. */
  sweep(now: number): void;
  /** Entries held, expired ones not yet dropped included. */
  readonly size: number;
  clear(): void;
  /** Stops the timed sweep. */
  dispose(): void;
}

/** How many expired entries one call drops from the oldest end, so no single call pays for many. */
const SWEEP_STEP = 4;

/**
 * Creates an `ExpiringMap`. Entries are kept in write order, so with one lifetime for every entry
 * (an idle timeout) the oldest are the first to expire and the map never holds many expired ones.
 *
 * @example
 * ```ts
 * const sessions = createExpiringMap<Set<string>>({ store: 'session store', maxEntries: 100_000 });
 * sessions.set('s-1', new Set(['tainted']), Date.now() + 3_600_000, Date.now());
 * ```
 */
export function createExpiringMap<V>(options: ExpiringMapOptions): ExpiringMap<V> {
  const { store, maxEntries } = options;
  if (typeof store !== 'string' || store === '')
    throw new TypeError('createExpiringMap(): store must be named');
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
    throw new TypeError('createExpiringMap(): maxEntries must be a positive integer');
  const entries = new Map<string, { value: V; expiresAt: number }>();
  // No entry expires before this; lets a full map refuse in O(1) until one can have expired.
  let earliest = Number.POSITIVE_INFINITY;

  const sweepOldest = (now: number) => {
    let steps = 0;
    for (const [key, entry] of entries) {
      if (entry.expiresAt > now || steps >= SWEEP_STEP) return;
      entries.delete(key);
      steps += 1;
    }
  };
  const sweepAll = (now: number) => {
    earliest = Number.POSITIVE_INFINITY;
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(key);
      else if (entry.expiresAt < earliest) earliest = entry.expiresAt;
    }
  };

  const map: ExpiringMap<V> = {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, expiresAt, now) {
      sweepOldest(now);
      const existed = entries.delete(key);
      if (!existed && entries.size >= maxEntries) {
        if (now >= earliest) sweepAll(now);
        if (entries.size >= maxEntries) throw new StoreFullError({ store, maxEntries });
      }
      entries.set(key, { value, expiresAt });
      if (expiresAt < earliest) earliest = expiresAt;
    },
    delete(key) {
      return entries.delete(key);
    },
    values(now) {
      const live: V[] = [];
      for (const entry of entries.values()) if (entry.expiresAt > now) live.push(entry.value);
      return live;
    },
    sweep: sweepAll,
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      earliest = Number.POSITIVE_INFINITY;
    },
    dispose() {
      stop();
    },
  };
  const stop = startSweeper(new WeakRef(map), options.sweepIntervalMs, options.now ?? (() => Date.now()));
  return map;
}

/**
 * Sweeps the map on a timer that holds it only weakly: a map nobody references is collected, and
 * its timer stops at the next tick.
 */
function startSweeper(
  target: WeakRef<ExpiringMap<unknown>>,
  intervalMs: number | undefined,
  now: () => number,
): () => void {
  if (intervalMs === undefined) return () => {};
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new TypeError('createExpiringMap(): sweepIntervalMs must be a positive number');
  const timer = setInterval(() => {
    const map = target.deref();
    if (map === undefined) clearInterval(timer);
    else map.sweep(now());
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
