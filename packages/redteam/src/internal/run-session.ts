import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { createApprovalGate, createApprovalService, createMemoryApprovalStore } from '@palisade/approval';
import {
  AccessDeniedError,
  ApprovalRequiredError,
  createMemoryProvenanceStore,
  createMemoryRecorder,
  createMemorySessionStore,
  type GuardedTool,
  guard,
} from '@palisade/core';
import { createPolicyEngine, type PolicyDocument } from '@palisade/policy';
import type { Reviewer } from '../reviewer.js';
import type { ExecutedCall, SimulatedEnvironment } from '../simulated-environment.js';
import type { KitIdentity } from './kit-identity.js';

/** How one scripted call ended. */
export type CallResult =
  | {
      readonly status: 'ok';
      readonly output: unknown;
      readonly approved: boolean;
      /** The rules of the decision that let the call run. */
      readonly ruleIds: readonly string[];
    }
  | { readonly status: 'denied'; readonly reason: string; readonly ruleIds: readonly string[] }
  | { readonly status: 'approval-denied'; readonly reason: string }
  | { readonly status: 'failed'; readonly reason: string };

/** One session of a scripted agent in a fresh environment, every tool behind `guard()`. */
export interface RunSession<State> {
  readonly state: State;
  readonly pre: State;
  readonly trace: ExecutedCall[];
  /** Approval requests raised in this session. */
  readonly approvalsAsked: number;
  call(tool: string, input: Record<string, unknown>): Promise<CallResult>;
  close(): void;
}

/** What every session of a run shares. */
export interface SessionParts {
  readonly identity: KitIdentity;
  readonly reviewerCredential: string;
  readonly approvalKey: KeyObject;
}

const REVIEWER_ID = 'reviewer@redteam.example';

/**
 * Opens a session: a fresh state, a policy engine over `document`, an approval service whose only
 * approver is the scripted reviewer (through the service's credential check), and guarded tools.
 */
export async function openSession<State>(options: {
  environment: SimulatedEnvironment<State>;
  rendered: unknown;
  document: PolicyDocument;
  reviewer: Reviewer;
  userMessages: readonly string[];
  parts: SessionParts;
}): Promise<RunSession<State>> {
  const { environment, parts, reviewer } = options;
  const state = environment.initialState(options.rendered);
  const pre = environment.snapshot(state);
  const engine = createPolicyEngine({ policy: options.document });
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: (credential) => {
      if (credential !== parts.reviewerCredential) throw new Error('unknown reviewer credential');
      // The credential is handed only to the scripted person reviewing, never to the agent.
      const reviewer = { id: REVIEWER_ID, roles: ['approver'], chain: [REVIEWER_ID], human: true };
      return reviewer;
    },
    signingKey: parts.approvalKey,
  });
  const recorder = createMemoryRecorder();
  const enforcement = {
    verifier: parts.identity.verifier,
    decider: engine,
    recorder,
    sessions: createMemorySessionStore(),
    provenance: createMemoryProvenanceStore(),
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    obligations: engine.obligationHandlers(),
  };
  const trace: ExecutedCall[] = [];
  const tools = new Map<string, GuardedTool<Record<string, unknown>, unknown>>();
  for (const tool of environment.tools) {
    tools.set(
      tool.name,
      guard(
        {
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          effect: tool.effect,
          target: tool.target,
          execute: (input) => {
            const output = tool.run(state, input);
            trace.push({ tool: tool.name, input: structuredClone(input) });
            return output;
          },
        },
        enforcement,
      ),
    );
  }
  const sessionId = `redteam-${randomUUID()}`;
  const credential = await parts.identity.token();
  const context = { credential, sessionId, userMessages: [...options.userMessages] };
  let approvalsAsked = 0;

  async function call(name: string, input: Record<string, unknown>): Promise<CallResult> {
    const tool = tools.get(name);
    if (!tool) return { status: 'failed', reason: `no tool named ${name}` };
    let approvalId: string | undefined;
    for (;;) {
      try {
        const output = await tool.call(
          input,
          approvalId === undefined ? context : { ...context, approvalId },
        );
        const ruleIds = recorder.records.at(-1)?.decision?.ruleIds ?? [];
        return { status: 'ok', output, approved: approvalId !== undefined, ruleIds };
      } catch (error) {
        if (ApprovalRequiredError.isInstance(error) && approvalId === undefined) {
          approvalsAsked += 1;
          const pendingId = (error as ApprovalRequiredError).approvalId;
          approvalId = pendingId;
          const pending = await service.get(pendingId);
          const approve =
            pending !== undefined &&
            reviewer.review({ tool: pending.tool, input: pending.input as Record<string, unknown> });
          await service.decide({
            approvalId: pendingId,
            approve,
            approverCredential: parts.reviewerCredential,
            reason: `${reviewer.name} reviewer`,
          });
          continue;
        }
        if (AccessDeniedError.isInstance(error)) {
          const denied = error as AccessDeniedError;
          if (approvalId !== undefined && denied.stage === 'approve') {
            return { status: 'approval-denied', reason: denied.message };
          }
          return {
            status: 'denied',
            reason: denied.decision?.reason ?? denied.message,
            ruleIds: denied.decision?.ruleIds ?? [],
          };
        }
        return { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
      }
    }
  }

  return {
    state,
    pre,
    trace,
    get approvalsAsked() {
      return approvalsAsked;
    },
    call,
    close: () => service.close(),
  };
}
