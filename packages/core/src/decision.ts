/** The three outcomes a policy can reach. */
export type DecisionEffect = 'allow' | 'deny' | 'approve';

/**
 * Something the enforcer must do for an allow to hold (label the session, count against a limit).
 * An obligation the enforcer has no handler for turns the call into a deny.
 */
export interface Obligation {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A policy decision: a value, not an exception. */
export interface Decision {
  readonly effect: DecisionEffect;
  /** Human-readable reason, shown to callers and recorded in the audit trail. */
  readonly reason: string;
  /** Ids of the rules that produced the decision (empty for default deny). */
  readonly ruleIds: readonly string[];
  /** The content hash of the policy that decided. */
  readonly policyVersion: string;
  readonly obligations: readonly Obligation[];
}

const DECISION_EFFECTS: ReadonlySet<string> = new Set(['allow', 'deny', 'approve']);

/**
 * Checks that a value is a well-formed `Decision`, so a faulty decider cannot slip through an
 * `allow` by returning something allow-like.
 */
export function isDecision(value: unknown): value is Decision {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.effect === 'string' &&
    DECISION_EFFECTS.has(candidate.effect) &&
    typeof candidate.reason === 'string' &&
    typeof candidate.policyVersion === 'string' &&
    Array.isArray(candidate.ruleIds) &&
    candidate.ruleIds.every((id) => typeof id === 'string') &&
    Array.isArray(candidate.obligations) &&
    candidate.obligations.every(
      (obligation) =>
        typeof obligation === 'object' &&
        obligation !== null &&
        typeof (obligation as { type?: unknown }).type === 'string',
    )
  );
}
