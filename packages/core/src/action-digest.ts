import type { ActionRequest } from './action-request.js';
import { canonicalJson } from './canonical-json.js';
import { sha256 } from './internal/sha256.js';

/** What an approval is bound to. */
export interface ActionDigestInput {
  readonly tool: string;
  readonly input: unknown;
  readonly agent: string;
  readonly user?: string | undefined;
  readonly audience?: string | undefined;
  /** The session (conversation) the call belongs to. */
  readonly session?: string | undefined;
  /** The task the credential was issued for. */
  readonly task?: string | undefined;
}

const encoder = new TextEncoder();

/**
 * The SHA-256 digest (lowercase hex) of the canonical form of (tool, input, agent, user, audience,
 * session, task). Two calls share a digest only if every one of those is identical, which is what
 * lets an approval cover exactly one action, in one session, for one task.
 *
 * This digest never leaves the process: an approval service stores and shows a keyed digest of it
 * (see `createApprovalService`), so a low-entropy input cannot be recovered from what reviewers,
 * errors or spans see.
 *
 * @example
 * ```ts
 * const digest = actionDigest({ tool: 'refund', input: { amount: 500 }, agent: 'spiffe://a/agent/x' });
 * ```
 */
export function actionDigest(action: ActionDigestInput): string {
  const canonical = canonicalJson({
    v: 2,
    tool: action.tool,
    input: action.input,
    agent: action.agent,
    user: action.user ?? null,
    audience: action.audience ?? null,
    session: action.session ?? null,
    task: action.task ?? null,
  });
  let hex = '';
  for (const byte of sha256(encoder.encode(canonical))) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The `actionDigest()` of an access request: its tool, input, agent, user, audience, session and
 * task. Every path that proposes or consumes an approval computes the digest here.
 *
 * @example
 * ```ts
 * const used = await approvals.consume(approvalId, actionRequestDigest(request));
 * ```
 */
export function actionRequestDigest(request: ActionRequest): string {
  return actionDigest({
    tool: request.name,
    input: request.input,
    agent: request.principal.agent.id,
    user: request.principal.user?.id,
    audience: request.context.audience,
    session: request.context.sessionId,
    task: request.principal.task,
  });
}
