import { StoreFullError } from '@palisade/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryCounterStore } from './memory-counter-store.js';

const MINUTE = 60_000;

describe('createMemoryCounterStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 2, 9));
  });
  afterEach(() => vi.useRealTimers());

  it('counts within a fixed window and starts again in the next one', async () => {
    const counters = createMemoryCounterStore();
    const now = Date.now();
    const consume = (amount: number, at: number) =>
      counters.consume({ key: 'k', amount, limit: 3, windowMs: MINUTE, now: at });
    expect(await consume(2, now)).toEqual({ allowed: true, total: 2 });
    expect(await consume(2, now + 1)).toEqual({ allowed: false, total: 2 });
    expect(await consume(2, now + MINUTE)).toEqual({ allowed: true, total: 2 });
    counters.dispose();
  });

  it('drops a counter when its window ends, also while nothing is counted', async () => {
    const counters = createMemoryCounterStore({ sweepIntervalMs: 10_000 });
    for (let index = 0; index < 1_000; index += 1)
      await counters.consume({
        key: `user-${index}`,
        amount: 1,
        limit: 5,
        windowMs: MINUTE,
        now: Date.now(),
      });
    expect(counters.size).toBe(1_000);
    vi.advanceTimersByTime(2 * MINUTE);
    expect(counters.size).toBe(0);
    counters.dispose();
  });

  it('at its cap refuses to start a new counter (fail closed) while existing counters keep counting', async () => {
    const counters = createMemoryCounterStore({ maxCounters: 2 });
    const consume = (key: string) =>
      counters.consume({ key, amount: 1, limit: 10, windowMs: MINUTE, now: Date.now() });
    await consume('a');
    await consume('b');
    await expect(consume('c')).rejects.toSatisfy((error) => StoreFullError.isInstance(error));
    expect(await consume('a')).toEqual({ allowed: true, total: 2 });
    expect(counters.size).toBe(2);
    vi.advanceTimersByTime(MINUTE);
    expect(await consume('c')).toEqual({ allowed: true, total: 1 });
    counters.dispose();
  });
});
