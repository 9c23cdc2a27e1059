import {
  ApprovalRequiredError,
  approvalProposal,
  type CallContext,
  type Enforcement,
  evaluate,
  recordRefusal,
  type StandardSchemaV1,
} from '@palisade/core';
import {
  APPROVAL_INTERRUPT_TYPE,
  type ApprovalInterrupt,
  type ReviewActionRequest,
  type ReviewConfig,
} from '../approval-interrupt.js';
import type { ReviewService } from '../review-service.js';
import { fingerprintOf, type StepReview } from './review-state.js';
import { describeAction } from './run-guarded-call.js';
import type { ToolCatalog } from './tool-catalog.js';

/** A tool call of the step, as the model asked for it. */
export interface StepCall {
  readonly id?: string | undefined;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/** What the pre-review needs. */
export interface PreReview {
  readonly enforcement: Enforcement;
  readonly catalog: ToolCatalog;
  readonly service: ReviewService;
  /** The schema of a tool the agent holds (and whether it guards itself), by name. */
  readonly toolOf: (name: string) => { readonly schema: unknown; readonly guarded: boolean } | undefined;
  readonly context: CallContext;
}

/**
 * Finds the calls of a model step the policy sends to a human and proposes each, exactly as it would
 * run (validated input, verified principal, the decision that asked), so the step can pause on one
 * review in LangChain's shape. This runs in the `afterModel` node, which completes before the tool
 * calls run: its result is checkpointed, and a resumed run never proposes the same calls again.
 *
 * A call that cannot be evaluated here (no credential, bad input, a tool the agent does not know)
 * is left to the tool node, which decides it afresh and records the refusal. Nothing here allows
 * anything: every call is still decided when it runs.
 */
export async function preReview(
  calls: readonly StepCall[],
  setup: PreReview,
): Promise<StepReview | undefined> {
  const actionRequests: ReviewActionRequest[] = [];
  const reviewConfigs: ReviewConfig[] = [];
  const reviewed: Record<string, { index: number; fingerprint: string }> = {};
  for (const toolCall of calls) {
    if (typeof toolCall.id !== 'string' || toolCall.id === '' || Object.hasOwn(reviewed, toolCall.id))
      continue;
    const approval = await propose(toolCall as StepCall & { id: string }, setup);
    if (approval === undefined) continue;
    reviewed[toolCall.id] = {
      index: actionRequests.length,
      fingerprint: fingerprintOf(toolCall.name, toolCall.args),
    };
    actionRequests.push({
      name: toolCall.name,
      args: toolCall.args,
      description: describeAction(approval),
      palisade: approval,
    });
    reviewConfigs.push({ actionName: toolCall.name, allowedDecisions: [...setup.catalog.allowedDecisions] });
  }
  if (actionRequests.length === 0) return undefined;
  return { calls: reviewed, request: { type: APPROVAL_INTERRUPT_TYPE, actionRequests, reviewConfigs } };
}

async function propose(
  toolCall: StepCall & { id: string },
  setup: PreReview,
): Promise<ApprovalInterrupt | undefined> {
  const { catalog, enforcement } = setup;
  const known = setup.toolOf(toolCall.name);
  // A tool wrapped with guardTool reviews its own calls.
  if (known?.guarded) return undefined;
  let inputSchema: StandardSchemaV1;
  let effect: ReturnType<ToolCatalog['effectOf']>;
  let target: string | undefined;
  try {
    effect = catalog.effectOf(toolCall.name);
    target = catalog.targetOf(toolCall.name);
    inputSchema = catalog.schemaFor(toolCall.name, known?.schema);
  } catch {
    return undefined;
  }
  if (effect === undefined) return undefined;
  try {
    const { request, decision } = await evaluate(
      {
        kind: 'tool',
        name: toolCall.name,
        effect,
        target,
        inputSchema,
        input: toolCall.args,
        callId: toolCall.id,
      },
      setup.context,
      enforcement,
    );
    if (decision.effect !== 'approve') return undefined;
    const pending = await setup.service.propose(approvalProposal(request, decision));
    // The pause is a decision like any other: it leaves a record.
    const required = new ApprovalRequiredError({
      approvalId: pending.id,
      digest: pending.digest,
      tool: request.name,
      callId: request.callId,
      expiresAt: pending.expiresAt,
    });
    await recordRefusal(
      enforcement.recorder,
      { kind: 'tool', name: request.name, effect, callId: request.callId, target },
      required,
      { request, decision },
    );
    return {
      type: APPROVAL_INTERRUPT_TYPE,
      approvalId: pending.id,
      digest: pending.digest,
      expiresAt: pending.expiresAt,
      tool: request.name,
      callId: request.callId,
      effect: request.effect,
      target: request.target,
      input: request.input,
      reason: decision.reason,
      ruleIds: [...decision.ruleIds],
      agent: request.principal.agent.id,
      user: request.principal.user?.id,
    };
  } catch {
    // Refused or failed here: the tool node decides the call afresh and records the refusal.
    return undefined;
  }
}
