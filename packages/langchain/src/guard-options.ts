import type { Effect, StandardSchemaV1 } from '@palisade/core';
import type { ContextResolver } from './read-call-context.js';

/**
 * How LangChain tools map onto Palisade: the declared effect of each tool, optional targets and
 * schemas, and where the credential comes from. A tool `effects` does not name takes its effect and
 * target from the policy's tool catalog (when the enforcement's decider is a `@palisade/policy`
 * engine); a tool neither names is refused, there is no default effect.
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
}
