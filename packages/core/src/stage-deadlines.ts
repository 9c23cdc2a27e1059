/**
 * How long (milliseconds) each awaited stage of the loop may take before the call is refused with a
 * `StageTimeoutError` (`ERR_STAGE_TIMEOUT`). Every stage has one; none can be switched off.
 */
export interface StageDeadlines {
  /** The credential verifier (signature, JWKS fetch, revocation and replay stores). Default 10 s. */
  readonly verify: number;
  /** Reading the session's labels and provenance from their stores. Default 5 s. */
  readonly context: number;
  /** The risk scorer. Default 5 s. */
  readonly enrich: number;
  /** The decider (policy engine). Default 5 s. */
  readonly decide: number;
  /**
   * The approval gate, proposing the request included. A gate that pauses the call (throwing
   * `ApprovalRequiredError`) does not wait; a gate in blocking `wait` mode waits for a human within
   * this deadline, and is told to stop (its `signal` aborts) when it passes. Default 15 minutes.
   */
  readonly approve: number;
  /** Each obligation hook (counters, limits, session labels, provenance). Default 10 s. */
  readonly obligation: number;
  /**
   * The intent record (durable in strict mode) before the body runs, queueing behind other
   * callers' records included. Default 30 s.
   */
  readonly intent: number;
  /** The result record after the call. Default 30 s. */
  readonly record: number;
}

/** The deadlines `guard()` applies unless told otherwise. */
export const DEFAULT_STAGE_DEADLINES: StageDeadlines = Object.freeze({
  verify: 10_000,
  context: 5_000,
  enrich: 5_000,
  decide: 5_000,
  approve: 15 * 60_000,
  obligation: 10_000,
  intent: 30_000,
  record: 30_000,
});

/** The longest deadline timers can express (about 24.8 days). */
const MAX_DEADLINE_MS = 2_147_483_647;

const STAGES = Object.keys(DEFAULT_STAGE_DEADLINES) as readonly (keyof StageDeadlines)[];

/**
 * The deadlines in force: the defaults, overridden stage by stage. Throws `TypeError` for an unknown
 * stage or a deadline that is not a whole number of milliseconds in [1, 2^31 - 1]: a deadline cannot
 * be disabled, only lengthened.
 *
 * @example
 * ```ts
 * const deadlines = resolveStageDeadlines({ decide: 500, approve: 60_000 });
 * ```
 */
export function resolveStageDeadlines(
  overrides: Readonly<Partial<StageDeadlines>> | undefined,
  where = 'deadlines',
): StageDeadlines {
  if (overrides === undefined) return DEFAULT_STAGE_DEADLINES;
  if (typeof overrides !== 'object' || overrides === null) {
    throw new TypeError(`${where} must be an object of milliseconds by stage`);
  }
  for (const key of Object.keys(overrides)) {
    if (!STAGES.includes(key as keyof StageDeadlines)) {
      throw new TypeError(`${where}.${key} is not a stage; stages: ${STAGES.join(', ')}`);
    }
  }
  const resolved: Record<string, number> = {};
  for (const stage of STAGES) {
    const value = overrides[stage] ?? DEFAULT_STAGE_DEADLINES[stage];
    if (!Number.isInteger(value) || value < 1 || value > MAX_DEADLINE_MS) {
      throw new TypeError(
        `${where}.${stage} must be a whole number of milliseconds between 1 and ${MAX_DEADLINE_MS}, got ${String(value)}`,
      );
    }
    resolved[stage] = value;
  }
  return Object.freeze(resolved as unknown as StageDeadlines);
}
