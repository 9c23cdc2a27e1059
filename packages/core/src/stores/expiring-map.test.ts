import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExpiringMap } from './expiring-map.js';
import { StoreFullError } from './store-full-error.js';

describe('createExpiringMap', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 2));
  });
  afterEach(() => vi.useRealTimers());

  it('never returns an expired entry', () => {
    const map = createExpiringMap<string>({ store: 'test store', maxEntries: 10 });
    map.set('a', 'x', 1_000, 0);
    expect(map.get('a', 999)).toBe('x');
    expect(map.get('a', 1_000)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('refuses a new key at the cap with a coded error, and never grows past it', () => {
    const map = createExpiringMap<number>({ store: 'test store', maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) map.set(key, 1, 10_000, 0);
    let caught: unknown;
    try {
      map.set('d', 1, 10_000, 5);
    } catch (error) {
      caught = error;
    }
    expect(StoreFullError.isInstance(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'ERR_STORE_FULL', store: 'test store', maxEntries: 3 });
    expect(map.size).toBe(3);
    // Existing keys can still be written at the cap.
    map.set('b', 2, 10_000, 5);
    expect(map.get('b', 5)).toBe(2);
  });

  it('makes room at the cap from entries that expired, in whatever order they were written', () => {
    const map = createExpiringMap<number>({ store: 'test store', maxEntries: 3 });
    map.set('long', 1, 50_000, 0);
    map.set('short', 1, 1_000, 0);
    map.set('mid', 1, 20_000, 0);
    expect(() => map.set('new', 1, 60_000, 500)).toThrow(StoreFullError);
    map.set('new', 1, 60_000, 1_000);
    expect(map.values(1_000)).toHaveLength(3);
    expect(map.get('short', 1_000)).toBeUndefined();
  });

  it('drops expired entries on a timer while nothing uses it, and stops on dispose', () => {
    const map = createExpiringMap<number>({
      store: 'test store',
      maxEntries: 100,
      sweepIntervalMs: 1_000,
    });
    for (let index = 0; index < 50; index += 1) map.set(`k${index}`, index, Date.now() + 5_000, Date.now());
    vi.advanceTimersByTime(4_000);
    expect(map.size).toBe(50);
    vi.advanceTimersByTime(2_000);
    expect(map.size).toBe(0);
    map.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => createExpiringMap({ store: 's', maxEntries: 0 })).toThrow(TypeError);
    expect(() => createExpiringMap({ store: 's', maxEntries: Number.POSITIVE_INFINITY })).toThrow(TypeError);
  });
});
