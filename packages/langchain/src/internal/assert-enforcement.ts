import { type Enforcement, guard } from '@palisade/core';
import { queryInputSchema } from './query-input-schema.js';

/**
 * Checks the enforcement parts now (verifier, decider, recorder, gate), with the same rules
 * `guard()` applies, so a misconfigured agent fails when it is built rather than at its first call.
 */
export function assertEnforcement(enforcement: Enforcement): void {
  guard(
    {
      name: 'enforcement-check',
      description: '',
      inputSchema: queryInputSchema,
      effect: 'read',
      execute: () => undefined,
    },
    enforcement,
  );
}
