import type { Obligation } from './decision.js';
import type { ObligationHandler } from './guard.js';
import { observeOutput, providedByUser } from './observe-output.js';
import type { ProvenanceRecord, ProvenanceStore } from './provenance-store.js';
import { normalizeValue, valueTokens } from './value-tokens.js';

/**
 * The obligation a policy attaches to a call whose output must be remembered:
 * `{ type: 'record-provenance', trust, untrustedFields?, labels? }` (see `OutputDeclaration`).
 */
export const RECORD_PROVENANCE = 'record-provenance';

/**
 * The handler `guard()` runs for `record-provenance` obligations: before the body it refuses the
 * call when there is nowhere to record (no store, or no `sessionId`); after the body it records the
 * values the output carried, with where each came from, in the session's provenance.
 *
 * @example
 * ```ts
 * const handler = recordProvenanceHandler(createMemoryProvenanceStore());
 * ```
 */
export function recordProvenanceHandler(store: ProvenanceStore | undefined): ObligationHandler {
  return {
    before(obligation, request) {
      readDeclaration(obligation);
      if (!store || request.context.sessionId === undefined) {
        throw new TypeError(
          `"${request.name}" records the provenance of its output, but ${store ? 'the call has no sessionId' : 'no provenance store is configured'}`,
        );
      }
    },
    async after(obligation, request, output) {
      const declaration = readDeclaration(obligation);
      const requested =
        declaration.trust === 'untrusted' && providedByUser(request.input, request.context.userMessages);
      // `before` checked both exist.
      const observed = observeOutput(output, { ...declaration, tool: request.name, requested });
      await store!.record(request.context.sessionId!, withoutEchoes(observed, request.input));
    },
  };
}

function readDeclaration(obligation: Obligation): {
  trust: 'trusted' | 'untrusted';
  untrustedFields?: readonly string[];
  labels: readonly string[];
} {
  const { trust, untrustedFields, labels } = obligation;
  if (trust !== 'trusted' && trust !== 'untrusted') {
    throw new TypeError('A record-provenance obligation needs `trust: "trusted" | "untrusted"`');
  }
  if (untrustedFields !== undefined && !isStringList(untrustedFields)) {
    throw new TypeError('A record-provenance obligation needs `untrustedFields: string[]` when it has any');
  }
  if (labels !== undefined && !isStringList(labels)) {
    throw new TypeError('A record-provenance obligation needs `labels: string[]` when it has any');
  }
  return untrustedFields === undefined
    ? { trust, labels: labels ?? [] }
    : { trust, untrustedFields, labels: labels ?? [] };
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Leaves of a call's input looked at, at most: inputs are validated and small, this is a bound. */
const MAX_INPUT_LEAVES = 1000;

/**
 * An output cannot vouch for what its own call was given: a tool that answers "sent to <IBAN>"
 * repeats its argument, and recording that as a trusted sighting would launder a value that came
 * from anywhere (an attacker's text, say) into a trusted one for every later call. Trusted
 * sightings of the call's own input values are dropped; the values keep the provenance they had.
 */
function withoutEchoes(record: ProvenanceRecord, input: unknown): ProvenanceRecord {
  const given = inputValues(input);
  if (given.size === 0) return record;
  const values = record.values.filter(
    (entry) => entry.observation.origin !== 'trusted' || !given.has(entry.value),
  );
  return values.length === record.values.length ? record : { values, complete: record.complete };
}

/** Every normalised value in a call's input: each leaf whole, and the values inside its text. */
function inputValues(input: unknown): Set<string> {
  const given = new Set<string>();
  const pending: unknown[] = [input];
  let leaves = 0;
  while (pending.length > 0 && leaves < MAX_INPUT_LEAVES) {
    const value = pending.pop();
    if (typeof value === 'string') {
      leaves += 1;
      const whole = normalizeValue(value);
      if (whole !== undefined) given.add(whole);
      for (const token of valueTokens(value)) given.add(token.value);
    } else if (typeof value === 'number') {
      leaves += 1;
      const whole = normalizeValue(value);
      if (whole !== undefined) given.add(whole);
    } else if (typeof value === 'object' && value !== null) {
      pending.push(...(Array.isArray(value) ? value : Object.values(value)));
    }
  }
  return given;
}
