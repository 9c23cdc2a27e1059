import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** What an approval is bound to. */
export interface ActionDigestInput {
  readonly tool: string;
  readonly input: unknown;
  readonly agent: string;
  readonly user?: string | undefined;
  readonly audience?: string | undefined;
}

/**
 * The SHA-256 digest (lowercase hex) of the canonical form of (tool, input, agent, user, audience).
 * Two calls share a digest only if every one of those is identical, which is what lets an approval
 * cover exactly one action.
 *
 * @example
 * ```ts
 * const digest = actionDigest({ tool: 'refund', input: { amount: 500 }, agent: 'spiffe://a/agent/x' });
 * ```
 */
export function actionDigest(action: ActionDigestInput): string {
  const canonical = canonicalJson({
    v: 1,
    tool: action.tool,
    input: action.input,
    agent: action.agent,
    user: action.user ?? null,
    audience: action.audience ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
