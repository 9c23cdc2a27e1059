import type { Effect, StandardSchemaV1 } from '@palisade/core';
import type { ReviewDecisionType } from './approval-interrupt.js';
import type { ContextResolver, ContextSource } from './read-call-context.js';
import type { ReviewService } from './review-service.js';

/**
 * How calls the policy sends to a human are reviewed, in LangChain's human-in-the-loop shape.
 *
 * @example
 * ```ts
 * const review: ReviewOptions = {
 *   service: palisade.approvalService,
 *   reviewer: ({ context }) => (context as AppContext).reviewerToken,
 *   allowedDecisions: ['approve', 'edit', 'reject', 'respond'],
 * };
 * ```
 */
export interface ReviewOptions {
  /**
   * Where requests are proposed and decisions recorded. Default: the enforcement's
   * `approvalService` when it has one (as `createPalisade()`'s does). Without a service, a reviewer
   * decides in the approval console and `approve` only uses that decision; `edit` needs one.
   */
  readonly service?: ReviewService | undefined;
  /**
   * The reviewer's own credential, read from the run that resumes the graph; the decision is signed
   * with it in the approval service. Default: `context.approverCredential`. Returning nothing means
   * the decision must already be recorded in the approval service (by the console, say).
   */
  readonly reviewer?: ((source: ContextSource) => string | undefined) | undefined;
  /** The decisions a reviewer may give. Default: `approve`, `edit`, `reject` (LangChain's). */
  readonly allowedDecisions?: readonly ReviewDecisionType[] | undefined;
  /**
   * Keep the agent's credential in the checkpoint (a private state field, never in the result or the
   * interrupt) while calls of a step await review, so the graph can be resumed without its
   * `context`. The credential is verified again when the call resumes. Default `true`; with `false`,
   * pass the context again when you resume. Middleware only.
   */
  readonly checkpointCredential?: boolean | undefined;
}

/**
 * How LangChain tools map onto Palisade: the declared effect of each tool, optional targets and
 * schemas, where the credential comes from, and how reviews run. A tool `effects` does not name
 * takes its effect and target from the policy's tool catalog (when the enforcement's decider is a
 * `@palisade/policy` engine); a tool neither names is refused, there is no default effect.
 *
 * @example
 * ```ts
 * const options: LangChainGuardOptions = {
 *   effects: { get_ticket: 'read', refund: 'write' },
 *   targets: { refund: 'payments' },
 *   schemas: { weather: z.object({ city: z.string() }) }, // a dynamically registered tool
 * };
 * ```
 */
export interface LangChainGuardOptions {
  /**
   * The effect of each tool, by name; it wins over the policy's catalog (and a policy denies calls
   * whose effect disagrees with its catalog). A tool neither this map nor the catalog names is
   * refused: `guardTool` throws a `TypeError` when wrapping it, the middleware denies each call to it.
   */
  readonly effects?: Readonly<Record<string, Effect>> | undefined;
  /** The system each tool touches (`crm`, `payments`), by tool name; default: the policy's catalog. */
  readonly targets?: Readonly<Record<string, string>> | undefined;
  /**
   * Input schemas by tool name, used instead of the tool's own. Needed for tools the agent has no
   * schema for (dynamically registered tools); any Standard Schema (zod 4, valibot, ...).
   */
  readonly schemas?: Readonly<Record<string, StandardSchemaV1>> | undefined;
  /** Maps LangChain's run context to the call context. Default: `readCallContext`. */
  readonly context?: ContextResolver | undefined;
  /** How calls the policy sends to a human are reviewed. */
  readonly review?: ReviewOptions | undefined;
}
