import type { CompiledBreaker } from './compile-policy.js';

/** Why and when an agent was quarantined. */
export interface Quarantine {
  readonly agent: string;
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly since: number;
}

/** The circuit breaker's state: recent denials and quarantined agents, per agent id. */
export interface BreakerState {
  quarantine(agent: string): Quarantine | undefined;
  /** Records a denial; returns the new quarantine when this denial tripped the breaker. */
  recordDenial(agent: string, now: number, config: CompiledBreaker | undefined): Quarantine | undefined;
  trip(agent: string, reason: string, now: number): Quarantine;
  reset(agent: string): boolean;
  list(): readonly Quarantine[];
}

/** Creates an empty breaker state. */
export function createBreakerState(): BreakerState {
  const quarantined = new Map<string, Quarantine>();
  const denials = new Map<string, number[]>();
  const trip = (agent: string, reason: string, now: number): Quarantine => {
    const existing = quarantined.get(agent);
    if (existing) return existing;
    const entry = Object.freeze({ agent, reason, since: now });
    quarantined.set(agent, entry);
    denials.delete(agent);
    return entry;
  };
  return {
    quarantine: (agent) => (quarantined.size === 0 ? undefined : quarantined.get(agent)),
    recordDenial(agent, now, config) {
      if (!config?.denials || quarantined.has(agent)) return undefined;
      const recent = (denials.get(agent) ?? []).filter((at) => now - at < config.windowMs);
      recent.push(now);
      if (recent.length >= config.denials) {
        return trip(agent, `${recent.length} denials within ${config.windowMs} ms`, now);
      }
      denials.set(agent, recent.slice(-config.denials));
      return undefined;
    },
    trip,
    reset(agent) {
      denials.delete(agent);
      return quarantined.delete(agent);
    },
    list: () => [...quarantined.values()],
  };
}
