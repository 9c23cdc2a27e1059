import { describe, expect, it } from 'vitest';
import { createMemoryReplayCache } from './memory-replay-cache.js';

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

describe('createMemoryReplayCache', () => {
  it('keeps an id past exp for the grace period, covering the verifier clock tolerance', async () => {
    const clock = { now: T0 };
    const cache = createMemoryReplayCache({ graceSeconds: 10, maxEntries: 1, now: () => clock.now });
    expect(await cache.consume('jti-1', T0 / 1000)).toBe(true);
    // A verifier tolerating 5 s of skew still accepts the token 3 s after exp: it must stay used.
    clock.now = T0 + 3000;
    expect(await cache.consume('jti-1', T0 / 1000)).toBe(false);
    // Full of an id still in its grace period: a new token is refused rather than the id forgotten.
    await expect(cache.consume('jti-2', T0 / 1000 + 60)).rejects.toThrow(/full/);
    clock.now = T0 + 11_000;
    expect(await cache.consume('jti-2', T0 / 1000 + 60)).toBe(true);
  });

  it('validates its options', () => {
    expect(() => createMemoryReplayCache({ graceSeconds: -1 })).toThrow(/graceSeconds/);
    expect(() => createMemoryReplayCache({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
