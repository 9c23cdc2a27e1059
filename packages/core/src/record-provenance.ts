import type { Obligation } from './decision.js';
import type { ObligationHandler } from './guard.js';
import { observeOutput, providedByUser } from './observe-output.js';
import type { ProvenanceStore } from './provenance-store.js';

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
      await store!.record(
        request.context.sessionId!,
        observeOutput(output, { ...declaration, tool: request.name, requested }),
      );
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
