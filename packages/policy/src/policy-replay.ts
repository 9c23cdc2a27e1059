import { type ActionRequest, type Decision, isDecision } from '@palisade/core';
import type { PolicyEngine } from './policy-engine.js';

/**
 * One record of an audit trail, one JSON object per line. Only `request` (the `ActionRequest` that
 * was decided) and `decision` (the `Decision` it got) are read; other fields are ignored.
 */
export interface AuditTrailRecord {
  readonly request: ActionRequest;
  readonly decision: Decision;
}

/** A recorded decision the policy would now make differently. */
export interface ReplayChange {
  /** 1-based line of the record in the trail. */
  readonly line: number;
  readonly request: ActionRequest;
  readonly recorded: Decision;
  readonly replayed: Decision;
}

/** What a replay found. */
export interface ReplayReport {
  /** Records replayed. */
  readonly total: number;
  readonly changes: readonly ReplayChange[];
  /** Counts of changes by transition, such as `allow->deny`. */
  readonly transitions: Readonly<Record<string, number>>;
  /** Lines that could not be read, with why. */
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
  /** The version of the policy replayed against. */
  readonly version: string;
}

/**
 * Evaluates a recorded audit trail (JSON lines with `request` and `decision`) against the engine's
 * policy and lists every decision whose effect would change. Runs through `explain`, so the engine's
 * breaker and counters are untouched. Inputs recorded redacted are replayed as recorded.
 *
 * @example
 * ```ts
 * const report = replayAuditTrail(createPolicyEngine({ policy: candidate }), await readFile('audit.jsonl', 'utf8'));
 * for (const change of report.changes) console.log(change.line, change.recorded.effect, '->', change.replayed.effect);
 * ```
 */
export function replayAuditTrail(engine: PolicyEngine, trail: string): ReplayReport {
  const changes: ReplayChange[] = [];
  const transitions: Record<string, number> = {};
  const skipped: { line: number; reason: string }[] = [];
  let total = 0;
  const lines = trail.split(/\r?\n/);
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      skipped.push({ line, reason: `not JSON (${(error as Error).message})` });
      continue;
    }
    const problem = recordProblem(record);
    if (problem) {
      skipped.push({ line, reason: problem });
      continue;
    }
    const { request, decision: recorded } = record as AuditTrailRecord;
    total += 1;
    const replayed = engine.explain(request).decision;
    if (replayed.effect === recorded.effect) continue;
    changes.push({ line, request, recorded, replayed });
    const transition = `${recorded.effect}->${replayed.effect}`;
    transitions[transition] = (transitions[transition] ?? 0) + 1;
  }
  return { total, changes, transitions, skipped, version: engine.version };
}

function recordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return 'not an object';
  const { request, decision } = record as Record<string, unknown>;
  if (!isDecision(decision)) return 'no valid "decision"';
  if (typeof request !== 'object' || request === null) return 'no "request"';
  const candidate = request as Record<string, unknown>;
  if (
    typeof candidate.name !== 'string' ||
    typeof candidate.kind !== 'string' ||
    typeof candidate.effect !== 'string'
  ) {
    return '"request" lacks kind, name or effect';
  }
  const principal = candidate.principal as { agent?: { id?: unknown } } | undefined;
  if (typeof principal?.agent?.id !== 'string') return '"request" lacks principal.agent.id';
  const context = candidate.context as Record<string, unknown> | undefined;
  if (
    typeof context !== 'object' ||
    context === null ||
    !Array.isArray(context.labels) ||
    !Array.isArray(context.userMessages)
  ) {
    return '"request" lacks context.labels or context.userMessages';
  }
  return undefined;
}
