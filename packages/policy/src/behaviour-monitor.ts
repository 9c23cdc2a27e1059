import type { ActionRequest, Decision } from '@palisade/core';
import { createEmitter } from './internal/emitter.js';
import type { RiskSignalScore } from './risk-scorer.js';

/** Options for `createBehaviourMonitor`. */
export interface BehaviourMonitorOptions {
  /** Observations of an agent before its baseline is trusted (no signal before). Default 20. */
  readonly warmup?: number | undefined;
  /** Width of the buckets the call rate is counted in, in milliseconds. Default 60 000. */
  readonly bucketMs?: number | undefined;
  /** How many past buckets form the rate baseline. Default 30. */
  readonly baselineBuckets?: number | undefined;
  /** A rate this many times the baseline scores 1. Default 5. */
  readonly spikeFactor?: number | undefined;
  /** A read this many times the usual size for the tool scores 1. Default 5. */
  readonly largeReadFactor?: number | undefined;
  /** Score of an agent's first call to a tool it has never used, once warmed up. Default 0.6. */
  readonly firstUseScore?: number | undefined;
  /** `observe` emits an `alert` when the score of the observed request reaches this. Default 0.8. */
  readonly alertThreshold?: number | undefined;
  /**
   * How big a read is. Default: the largest of the numeric input fields `limit`, `pageSize`,
   * `count`, `maxResults`, `top`, `size`; undefined when none is present.
   */
  readonly readSize?: ((request: ActionRequest) => number | undefined) | undefined;
  /** How many agents are tracked at most; the least recently seen are forgotten first. Default 10 000. */
  readonly maxAgents?: number | undefined;
}

/** An unusual request, as `observe` saw it. */
export interface BehaviourAlert {
  readonly agent: string;
  readonly score: number;
  readonly signals: readonly (RiskSignalScore & { readonly detail: string })[];
  readonly request: ActionRequest;
  readonly decision: Decision;
}

/** Events of a behaviour monitor. */
export interface BehaviourMonitorEvents {
  readonly alert: BehaviourAlert;
  [name: string]: unknown;
}

/**
 * Per-agent baselines (tools used, call rate, read sizes) learned from observed decisions. It is a
 * core `RiskScorer` and a `RiskSignalProvider`.
 */
export interface BehaviourMonitor {
  readonly name: string;
  /** Learns from one decided request (feed it every decision); emits `alert` on unusual ones. */
  observe(request: ActionRequest, decision: Decision): void;
  /** The risk of a request against the agent's baseline, in [0, 1]; pure. */
  score(request: ActionRequest): number;
  /** The signals behind the score. */
  signals(request: ActionRequest): readonly (RiskSignalScore & { readonly detail: string })[];
  on<Name extends keyof BehaviourMonitorEvents & string>(
    name: Name,
    listener: (event: BehaviourMonitorEvents[Name]) => void,
  ): () => void;
  /** Forgets an agent's baseline (after an incident, say). */
  forget(agent: string): void;
}

interface AgentBaseline {
  observations: number;
  /** Start of the bucket of the first observation. */
  readonly since: number;
  readonly tools: Set<string>;
  /** Bucket start -> calls. */
  readonly buckets: Map<number, number>;
  /** Tool -> running mean of read sizes. */
  readonly sizes: Map<string, { count: number; mean: number }>;
}

const SIZE_FIELDS = ['limit', 'pageSize', 'count', 'maxResults', 'top', 'size'];
const MAX_TOOLS_PER_AGENT = 1000;

function defaultReadSize(request: ActionRequest): number | undefined {
  const input = request.input;
  if (typeof input !== 'object' || input === null) return undefined;
  let size: number | undefined;
  for (const field of SIZE_FIELDS) {
    const value = (input as Record<string, unknown>)[field];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) size = Math.max(size ?? 0, value);
  }
  return size;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const chosen = value ?? fallback;
  if (
    typeof chosen !== 'number' ||
    !Number.isFinite(chosen) ||
    chosen <= 0 ||
    (integer && !Number.isInteger(chosen))
  ) {
    throw new TypeError(
      `createBehaviourMonitor(): options.${name} must be a positive ${integer ? 'integer' : 'number'}`,
    );
  }
  return chosen;
}

function unit(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || Number.isNaN(chosen) || chosen < 0 || chosen > 1) {
    throw new TypeError(`createBehaviourMonitor(): options.${name} must be a number in [0, 1]`);
  }
  return chosen;
}

const clamp = (value: number) => Math.min(1, Math.max(0, value));

/**
 * Creates a behaviour monitor: per-agent baselines whose score flags the first use of a tool, a
 * call-rate spike and unusually large reads. Rules can step up on `context.risk` and the breaker can
 * trip on it; alerts can trip the breaker directly.
 *
 * @example
 * ```ts
 * const monitor = createBehaviourMonitor({ alertThreshold: 0.9 });
 * monitor.on('alert', (alert) => engine.breaker.trip(alert.agent, 'unusual behaviour'));
 * guard(tool, { ...enforcement, riskScorer: monitor });
 * // and feed every decision: monitor.observe(request, decision)
 * ```
 */
export function createBehaviourMonitor(options: BehaviourMonitorOptions = {}): BehaviourMonitor {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createBehaviourMonitor(): options must be an object');
  const warmup = positive('warmup', options.warmup, 20, true);
  const bucketMs = positive('bucketMs', options.bucketMs, 60_000);
  const baselineBuckets = positive('baselineBuckets', options.baselineBuckets, 30, true);
  const spikeFactor = positive('spikeFactor', options.spikeFactor, 5);
  const largeReadFactor = positive('largeReadFactor', options.largeReadFactor, 5);
  const maxAgents = positive('maxAgents', options.maxAgents, 10_000, true);
  const firstUseScore = unit('firstUseScore', options.firstUseScore, 0.6);
  const alertThreshold = unit('alertThreshold', options.alertThreshold, 0.8);
  if (spikeFactor <= 1 || largeReadFactor <= 1) {
    throw new TypeError('createBehaviourMonitor(): spikeFactor and largeReadFactor must be greater than 1');
  }
  const readSize = options.readSize ?? defaultReadSize;
  if (typeof readSize !== 'function')
    throw new TypeError('createBehaviourMonitor(): options.readSize must be a function');
  const agents = new Map<string, AgentBaseline>();
  const events = createEmitter<BehaviourMonitorEvents>();

  const bucketOf = (time: number) => Math.floor(time / bucketMs) * bucketMs;

  function signals(request: ActionRequest): (RiskSignalScore & { detail: string })[] {
    const baseline = agents.get(request.principal.agent.id);
    if (!baseline || baseline.observations < warmup) return [];
    const found: (RiskSignalScore & { detail: string })[] = [];
    if (!baseline.tools.has(request.name)) {
      found.push({ name: 'first-use', score: firstUseScore, detail: `first call to "${request.name}"` });
    }
    const bucket = bucketOf(request.context.time);
    // The baseline spans the full buckets since the agent was first seen, at most baselineBuckets.
    const span = Math.min(baselineBuckets, Math.floor((bucket - baseline.since) / bucketMs));
    if (span > 0) {
      let pastCalls = 0;
      for (let index = 1; index <= span; index += 1)
        pastCalls += baseline.buckets.get(bucket - index * bucketMs) ?? 0;
      const mean = Math.max(1, pastCalls / span);
      const current = (baseline.buckets.get(bucket) ?? 0) + 1;
      const ratio = current / mean;
      const score = clamp((ratio - 1) / (spikeFactor - 1));
      if (score > 0) {
        found.push({
          name: 'rate-spike',
          score,
          detail: `${current} calls this bucket against a mean of ${mean.toFixed(2)}`,
        });
      }
    }
    const size = readSize(request);
    const usual = baseline.sizes.get(request.name);
    if (size !== undefined && usual && usual.count >= 3 && usual.mean > 0 && size > usual.mean) {
      const score = clamp((size / usual.mean - 1) / (largeReadFactor - 1));
      if (score > 0)
        found.push({
          name: 'large-read',
          score,
          detail: `read size ${size} against a usual ${usual.mean.toFixed(1)}`,
        });
    }
    return found;
  }

  function score(request: ActionRequest): number {
    return signals(request).reduce((highest, signal) => Math.max(highest, signal.score), 0);
  }

  function baselineFor(agent: string, time: number): AgentBaseline {
    let baseline = agents.get(agent);
    if (baseline) {
      // Re-insert to keep the map in least-recently-seen order.
      agents.delete(agent);
    } else {
      baseline = {
        observations: 0,
        since: bucketOf(time),
        tools: new Set(),
        buckets: new Map(),
        sizes: new Map(),
      };
    }
    agents.set(agent, baseline);
    while (agents.size > maxAgents) agents.delete(agents.keys().next().value as string);
    return baseline;
  }

  function observe(request: ActionRequest, decision: Decision): void {
    const found = signals(request);
    const current = found.reduce((highest, signal) => Math.max(highest, signal.score), 0);
    const agent = request.principal.agent.id;
    const baseline = baselineFor(agent, request.context.time);
    baseline.observations += 1;
    const bucket = bucketOf(request.context.time);
    baseline.buckets.set(bucket, (baseline.buckets.get(bucket) ?? 0) + 1);
    for (const start of baseline.buckets.keys()) {
      if (start < bucket - baselineBuckets * bucketMs) baseline.buckets.delete(start);
    }
    if (decision.effect !== 'deny') {
      if (baseline.tools.size < MAX_TOOLS_PER_AGENT) baseline.tools.add(request.name);
      const size = readSize(request);
      if (size !== undefined && request.effect === 'read') {
        const usual = baseline.sizes.get(request.name) ?? { count: 0, mean: 0 };
        usual.count += 1;
        usual.mean += (size - usual.mean) / usual.count;
        baseline.sizes.set(request.name, usual);
      }
    }
    if (current >= alertThreshold && current > 0)
      events.emit('alert', { agent, score: current, signals: found, request, decision });
  }

  return {
    name: 'behaviour',
    observe,
    score,
    signals,
    on: (name, listener) => events.on(name, listener),
    forget(agent) {
      agents.delete(agent);
    },
  };
}
