import type { ActionRequest } from './action-request.js';
import type { AuditRecorder, CallDescriptor, CallOutcome } from './audit-recorder.js';
import type { Decision } from './decision.js';

/** Everything recorded about one call. */
export interface CallRecord {
  readonly call: CallDescriptor;
  request?: ActionRequest;
  decision?: Decision;
  /** True once the intent was recorded, which happens before the body runs. */
  intent: boolean;
  outcome?: CallOutcome;
}

/** An `AuditRecorder` that keeps records in memory, in call order. */
export interface MemoryRecorder extends AuditRecorder {
  readonly records: readonly CallRecord[];
}

/**
 * Creates an in-memory `AuditRecorder`: for tests, examples and embedding in a larger recorder.
 * Production setups use `@palisade/audit`, which records spans and a tamper-evident chain.
 *
 * @example
 * ```ts
 * const recorder = createMemoryRecorder();
 * // ... guarded calls ...
 * recorder.records.map((record) => record.decision?.effect);
 * ```
 */
export function createMemoryRecorder(): MemoryRecorder {
  const records: CallRecord[] = [];
  return {
    records,
    async record(call, run) {
      const record: CallRecord = { call, intent: false };
      records.push(record);
      return run({
        decided(request, decision) {
          record.request = request;
          record.decision = decision;
        },
        async intent() {
          record.intent = true;
        },
        result(outcome) {
          record.outcome = outcome;
        },
      });
    },
  };
}
