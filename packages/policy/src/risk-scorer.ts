import type { ActionRequest, RiskScorer } from '@palisade/core';

/** One source of risk: returns a score in [0, 1] for a request (0 = nothing unusual). */
export interface RiskSignalProvider {
  readonly name: string;
  score(request: ActionRequest): number | Promise<number>;
}

/** A provider's contribution to a score. */
export interface RiskSignalScore {
  readonly name: string;
  readonly score: number;
}

/** A `RiskScorer` built from providers, which can also say how it got its score. */
export interface CompositeRiskScorer extends RiskScorer {
  score(request: ActionRequest): Promise<number>;
  /** The combined score and each provider's part. */
  assess(
    request: ActionRequest,
  ): Promise<{ readonly score: number; readonly signals: readonly RiskSignalScore[] }>;
}

/** Options for `createRiskScorer`. */
export interface RiskScorerOptions {
  readonly providers: readonly RiskSignalProvider[];
  /**
   * `max` (default): the strongest signal; `any`: the probability that at least one signal is right,
   * treating them as independent (1 - prod(1 - s)), so several weak signals add up.
   */
  readonly combine?: 'max' | 'any' | undefined;
}

/**
 * Combines pluggable risk signal providers into the `RiskScorer` that `guard()` calls to fill
 * `context.risk`, which policy conditions (`context.risk: { gte: 0.7 }`) and the breaker read. A
 * provider that throws or returns something other than a number in [0, 1] makes the scorer throw, and
 * `guard()` then denies the call: risk is never silently taken as zero.
 *
 * @example
 * ```ts
 * const monitor = createBehaviourMonitor();
 * const riskScorer = createRiskScorer({ providers: [monitor, { name: 'ip-reputation', score: (request) => lookup(request) }] });
 * guard(tool, { ...enforcement, riskScorer });
 * ```
 */
export function createRiskScorer(options: RiskScorerOptions): CompositeRiskScorer {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.providers)) {
    throw new TypeError('createRiskScorer(): options.providers must be an array');
  }
  const combine = options.combine ?? 'max';
  if (combine !== 'max' && combine !== 'any')
    throw new TypeError('createRiskScorer(): options.combine must be "max" or "any"');
  const providers = [...options.providers];
  const names = new Set<string>();
  for (const [index, provider] of providers.entries()) {
    if (typeof provider?.name !== 'string' || provider.name === '' || typeof provider.score !== 'function') {
      throw new TypeError(
        `createRiskScorer(): options.providers[${index}] needs a name and a score() function`,
      );
    }
    if (names.has(provider.name))
      throw new TypeError(`createRiskScorer(): two providers are named "${provider.name}"`);
    names.add(provider.name);
  }

  async function assess(request: ActionRequest) {
    const signals = await Promise.all(
      providers.map(async (provider) => {
        const score = await provider.score(request);
        if (typeof score !== 'number' || Number.isNaN(score) || score < 0 || score > 1) {
          throw new TypeError(
            `Risk provider "${provider.name}" returned ${String(score)}; expected a number in [0, 1]`,
          );
        }
        return { name: provider.name, score };
      }),
    );
    const score =
      combine === 'max'
        ? signals.reduce((highest, signal) => Math.max(highest, signal.score), 0)
        : 1 - signals.reduce((none, signal) => none * (1 - signal.score), 1);
    return { score, signals };
  }

  return {
    assess,
    async score(request) {
      return (await assess(request)).score;
    },
  };
}
