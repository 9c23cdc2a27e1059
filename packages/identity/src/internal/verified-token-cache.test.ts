import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createVerifiedTokenCache } from './verified-token-cache.js';

const T0 = Date.UTC(2026, 0, 1);
const nowSeconds = (): number => Date.now() / 1000;

/**
 * Counts how many map entries the cache reads while `run` executes: every step of any Map iterator
 * and every `forEach` callback. A cache that scans its entries on insert shows up here as a count
 * that grows with its size.
 */
function countMapIteration(run: () => void): number {
  const proto = Map.prototype as unknown as Record<PropertyKey, unknown>;
  const names: PropertyKey[] = ['keys', 'values', 'entries', Symbol.iterator, 'forEach'];
  const originals = new Map(names.map((name) => [name, proto[name]] as const));
  let steps = 0;
  for (const name of names) {
    const original = originals.get(name) as (...args: unknown[]) => unknown;
    proto[name] =
      name === 'forEach'
        ? function (this: Map<unknown, unknown>, callback: (...args: unknown[]) => void) {
            return original.call(this, (...args: unknown[]) => {
              steps += 1;
              callback(...args);
            });
          }
        : function (this: Map<unknown, unknown>) {
            const iterator = original.call(this) as Iterator<unknown>;
            return {
              next: () => {
                steps += 1;
                return iterator.next();
              },
              [Symbol.iterator]() {
                return this;
              },
            };
          };
  }
  try {
    run();
  } finally {
    for (const name of names) proto[name] = originals.get(name);
  }
  return steps;
}

describe('createVerifiedTokenCache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('evicts the oldest entry first once the cap is reached', () => {
    const cache = createVerifiedTokenCache<number>(3);
    for (const [i, token] of ['a', 'b', 'c'].entries()) cache.set(token, i, nowSeconds() + 60, nowSeconds());
    expect(cache.size).toBe(3);
    cache.set('d', 3, nowSeconds() + 60, nowSeconds());
    expect(cache.size).toBe(3);
    expect(cache.get('a', nowSeconds())).toBeUndefined();
    expect(cache.get('b', nowSeconds())).toBe(1);
    expect(cache.get('d', nowSeconds())).toBe(3);
    // Setting a cached token again makes it the youngest: 'b' survives the next two inserts.
    cache.set('b', 10, nowSeconds() + 60, nowSeconds());
    cache.set('e', 4, nowSeconds() + 60, nowSeconds());
    cache.set('f', 5, nowSeconds() + 60, nowSeconds());
    expect(cache.get('b', nowSeconds())).toBe(10);
    expect(cache.get('c', nowSeconds())).toBeUndefined();
    expect(cache.get('d', nowSeconds())).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('never serves an entry at or past its expiry, and drops it when asked for it', () => {
    const cache = createVerifiedTokenCache<string>(10);
    cache.set('short', 'S', nowSeconds() + 30, nowSeconds());
    cache.set('long', 'L', nowSeconds() + 300, nowSeconds());
    vi.advanceTimersByTime(29_999);
    expect(cache.get('short', nowSeconds())).toBe('S');
    vi.advanceTimersByTime(1);
    expect(cache.get('short', nowSeconds())).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get('long', nowSeconds())).toBe('L');
    vi.advanceTimersByTime(300_000);
    expect(cache.get('long', nowSeconds())).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not cache a value that is already expired, nor anything at a cap of zero', () => {
    const cache = createVerifiedTokenCache<string>(10);
    cache.set('stale', 'X', nowSeconds(), nowSeconds());
    cache.set('older', 'Y', nowSeconds() - 1, nowSeconds());
    expect(cache.size).toBe(0);
    expect(cache.get('stale', nowSeconds() - 10)).toBeUndefined();
    const none = createVerifiedTokenCache<string>(0);
    none.set('a', 'A', nowSeconds() + 60, nowSeconds());
    expect(none.size).toBe(0);
    expect(none.get('a', nowSeconds())).toBeUndefined();
  });

  it('clear() empties it', () => {
    const cache = createVerifiedTokenCache<number>(5);
    cache.set('a', 1, nowSeconds() + 60, nowSeconds());
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('a', nowSeconds())).toBeUndefined();
  });

  it('inserts into a full cache without scanning it: one map step per eviction', () => {
    const cap = 1_000;
    const inserts = 100_000;
    const cache = createVerifiedTokenCache<number>(cap);
    // Half the entries are already expired when the cache fills: a purge-on-full cache would scan.
    for (let i = 0; i < cap; i += 1)
      cache.set(`old-${i}`, i, nowSeconds() + (i % 2 === 0 ? 1 : 600), nowSeconds());
    expect(cache.size).toBe(cap);
    vi.advanceTimersByTime(10_000);
    const steps = countMapIteration(() => {
      for (let i = 0; i < inserts; i += 1) cache.set(`new-${i}`, i, nowSeconds() + 600, nowSeconds());
    });
    // One `keys().next()` per eviction; scanning the full cache would cost `cap` steps per insert.
    expect(steps).toBe(inserts);
    expect(cache.size).toBe(cap);
    expect(cache.get(`new-${inserts - 1}`, nowSeconds())).toBe(inserts - 1);
    expect(cache.get(`new-${inserts - cap - 1}`, nowSeconds())).toBeUndefined();
    expect(cache.get('old-1', nowSeconds())).toBeUndefined();
  });
});
