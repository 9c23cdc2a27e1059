import type { ActionKind, ActionRequest, Effect } from './action-request.js';
import type { Decision } from './decision.js';
import type { AgentIdentity, UserIdentity } from './principal.js';
import type { ApprovalPolicyReference } from './stores/approval-store.js';

/** What an agent proposes for human review: the exact action, who asks, and why. */
export interface ApprovalProposal {
  readonly tool: string;
  /** The exact input; stored as its canonical JSON, so it must be JSON. */
  readonly input: unknown;
  readonly effect: Effect;
  readonly agent: AgentIdentity;
  readonly user?: UserIdentity | undefined;
  /** Outermost first; defaults to `[user.id, agent.id]`. */
  readonly delegation?: readonly string[] | undefined;
  readonly kind?: ActionKind | undefined;
  readonly target?: string | undefined;
  /** Defaults to a fresh UUID. */
  readonly callId?: string | undefined;
  readonly audience?: string | undefined;
  /** The session the call belongs to; the approval is usable in this session only. */
  readonly sessionId?: string | undefined;
  /** The task the credential was issued for; the approval is usable for this task only. */
  readonly task?: string | undefined;
  readonly rationale?: string | undefined;
  readonly sideEffects?: readonly string[] | undefined;
  readonly policy?: ApprovalPolicyReference | undefined;
  /** Overrides the approval service's default lifetime for this request. */
  readonly ttlMs?: number | undefined;
}

/** What a reviewer is told about a request besides the exact call. */
export interface ApprovalDescription {
  readonly rationale?: string | undefined;
  readonly sideEffects?: readonly string[] | undefined;
}

/**
 * The proposal for one decided request: the exact call, the agent and user chain, and the policy
 * decision that asked for a human. Every path that proposes (the approval gate, the AI SDK's tool
 * approval) builds it here, so a reviewer sees the same thing whichever framework asked.
 *
 * `description` defaults to what the caller put in `context.attributes.rationale` (a string) and
 * `context.attributes.sideEffects` (strings); anything else there is ignored.
 *
 * @example
 * ```ts
 * const pending = await service.propose(approvalProposal(request, decision, { ttlMs: 600_000 }));
 * ```
 */
export function approvalProposal(
  request: ActionRequest,
  decision: Decision,
  options: {
    readonly description?: ApprovalDescription | undefined;
    readonly ttlMs?: number | undefined;
  } = {},
): ApprovalProposal {
  const description = options.description ?? describeFromAttributes(request);
  return {
    kind: request.kind,
    tool: request.name,
    effect: request.effect,
    target: request.target,
    input: request.input,
    callId: request.callId,
    audience: request.context.audience,
    sessionId: request.context.sessionId,
    task: request.principal.task,
    agent: request.principal.agent,
    user: request.principal.user,
    delegation: request.principal.delegation.length > 0 ? request.principal.delegation : undefined,
    rationale: description.rationale,
    sideEffects: description.sideEffects,
    policy: { reason: decision.reason, ruleIds: decision.ruleIds, policyVersion: decision.policyVersion },
    ttlMs: options.ttlMs,
  };
}

function describeFromAttributes(request: ActionRequest): ApprovalDescription {
  const { rationale, sideEffects } = request.context.attributes;
  return {
    rationale: typeof rationale === 'string' ? rationale : undefined,
    sideEffects:
      Array.isArray(sideEffects) && sideEffects.every((entry) => typeof entry === 'string')
        ? sideEffects
        : undefined,
  };
}
