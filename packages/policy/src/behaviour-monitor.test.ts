import type { Decision } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { createBehaviourMonitor } from './behaviour-monitor.js';
import { createRiskScorer } from './risk-scorer.js';
import { makeRequest, SUPPORT_AGENT } from './test-support/requests.js';

const allow: Decision = {
  effect: 'allow',
  reason: 'ok',
  ruleIds: ['r'],
  policyVersion: 'v',
  obligations: [],
};
const deny: Decision = { ...allow, effect: 'deny' };
const START = Date.UTC(2026, 10, 2, 9);

function at(minute: number, name = 'lookup', input: unknown = { limit: 10 }) {
  return makeRequest({ name, input, context: { time: START + minute * 60_000 + 1000 } });
}

/** Two calls a minute to `lookup` for 20 minutes: a steady baseline. */
function trained(options: Parameters<typeof createBehaviourMonitor>[0] = {}) {
  const monitor = createBehaviourMonitor({ warmup: 20, ...options });
  for (let minute = 0; minute < 20; minute += 1) {
    monitor.observe(at(minute), allow);
    monitor.observe(at(minute), allow);
  }
  return monitor;
}

describe('createBehaviourMonitor', () => {
  it('stays quiet on usual behaviour and before warm-up', () => {
    expect(createBehaviourMonitor().score(at(0, 'anything'))).toBe(0);
    const monitor = trained();
    expect(monitor.score(at(20))).toBe(0);
    expect(monitor.signals(at(20))).toEqual([]);
  });

  it('flags the first use of a tool', () => {
    const monitor = trained();
    expect(monitor.signals(at(20, 'export_all'))).toEqual([
      { name: 'first-use', score: 0.6, detail: 'first call to "export_all"' },
    ]);
  });

  it('does not learn a tool from denied calls', () => {
    const monitor = trained();
    monitor.observe(at(20, 'export_all'), deny);
    expect(monitor.score(at(20, 'export_all'))).toBeGreaterThan(0);
    monitor.observe(at(20, 'export_all'), allow);
    expect(monitor.signals(at(20, 'export_all')).map((signal) => signal.name)).not.toContain('first-use');
  });

  it('scores a call-rate spike', () => {
    const monitor = trained();
    for (let call = 0; call < 4; call += 1) monitor.observe(at(20), allow);
    // 5 calls this minute against a mean of 2: (2.5 - 1) / (5 - 1)
    expect(monitor.signals(at(20))).toEqual([
      { name: 'rate-spike', score: 0.375, detail: '5 calls this bucket against a mean of 2.00' },
    ]);
    for (let call = 0; call < 6; call += 1) monitor.observe(at(20), allow);
    expect(monitor.score(at(20))).toBe(1);
  });

  it('scores an unusually large read', () => {
    const monitor = trained();
    const signals = monitor.signals(at(20, 'lookup', { limit: 30 }));
    expect(signals).toEqual([
      { name: 'large-read', score: 0.5, detail: 'read size 30 against a usual 10.0' },
    ]);
    expect(monitor.score(at(20, 'lookup', { limit: 5000 }))).toBe(1);
  });

  it('emits an alert when an observed request reaches the threshold', () => {
    const monitor = trained({ alertThreshold: 0.9 });
    const alerts: unknown[] = [];
    monitor.on('alert', (alert) => alerts.push(alert));
    monitor.observe(at(20, 'lookup', { limit: 15 }), allow);
    expect(alerts).toEqual([]);
    monitor.observe(at(20, 'lookup', { limit: 10_000 }), allow);
    expect(alerts).toMatchObject([{ agent: SUPPORT_AGENT, score: 1, signals: [{ name: 'large-read' }] }]);
  });

  it('forgets an agent and validates its options', () => {
    const monitor = trained();
    monitor.forget(SUPPORT_AGENT);
    expect(monitor.score(at(20, 'export_all'))).toBe(0);
    expect(() => createBehaviourMonitor({ spikeFactor: 1 })).toThrow(TypeError);
    expect(() => createBehaviourMonitor({ alertThreshold: 2 })).toThrow(TypeError);
  });
});

describe('createRiskScorer', () => {
  it('combines providers with max or any', async () => {
    const providers = [
      { name: 'a', score: () => 0.5 },
      { name: 'b', score: async () => 0.5 },
    ];
    expect(await createRiskScorer({ providers }).score(at(0))).toBe(0.5);
    expect(await createRiskScorer({ providers, combine: 'any' }).score(at(0))).toBe(0.75);
    expect(await createRiskScorer({ providers }).assess(at(0))).toEqual({
      score: 0.5,
      signals: [
        { name: 'a', score: 0.5 },
        { name: 'b', score: 0.5 },
      ],
    });
  });

  it('takes the behaviour monitor as a provider', async () => {
    const monitor = trained();
    expect(await createRiskScorer({ providers: [monitor] }).score(at(20, 'export_all'))).toBe(0.6);
  });

  it('throws rather than guess when a provider fails or returns garbage', async () => {
    const failing = createRiskScorer({
      providers: [{ name: 'x', score: () => Promise.reject(new Error('down')) }],
    });
    await expect(failing.score(at(0))).rejects.toThrow('down');
    const garbage = createRiskScorer({ providers: [{ name: 'x', score: () => Number.NaN }] });
    await expect(garbage.score(at(0))).rejects.toThrow(TypeError);
    expect(() =>
      createRiskScorer({
        providers: [
          { name: 'x', score: () => 0 },
          { name: 'x', score: () => 0 },
        ],
      }),
    ).toThrow(TypeError);
  });
});
