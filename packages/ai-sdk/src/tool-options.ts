import type { CallContext, Effect } from '@palisade/core';
import type { ModelMessage } from 'ai';

/** What is known about one tool call when its call context is resolved. */
export interface ToolCallInfo {
  readonly toolName: string;
  /** The AI SDK tool call id; it becomes the Palisade call id. */
  readonly toolCallId: string;
  /** The input as the AI SDK parsed it. */
  readonly input: unknown;
  /** The messages that led to the call (without the system prompt). */
  readonly messages: readonly ModelMessage[];
  /** The tool's AI SDK context (`toolsContext[toolName]`), if any. */
  readonly toolContext: unknown;
}

/** A fixed call context, or a function computing one per call. */
export type CallContextSource =
  | CallContext
  | ((call: ToolCallInfo) => CallContext | undefined | Promise<CallContext | undefined>);

/**
 * The declared effect of each tool, by name, or a function that names it. A tool it does not name
 * takes its effect from the policy's tool catalog; a tool neither names is refused: Palisade never
 * guesses whether a tool only reads.
 */
export type EffectMap<NAMES extends string = string> =
  | Readonly<Partial<Record<NAMES, Effect>>>
  | ((toolName: string) => Effect | undefined);

/**
 * Options shared by `guardTools`, `createToolApproval` and `guardedToolSettings`: they must agree
 * for the approval check and the execution check to build the same request.
 */
export interface PalisadeToolOptions<NAMES extends string = string> {
  /**
   * The effect of each tool (`read`, `write`, `send`, `delete`, `execute`). It wins over the policy's
   * catalog, whose entry (effect and target) is used for a tool this does not name, when the
   * enforcement's decider is a `@palisade/policy` engine. A policy denies calls whose effect
   * disagrees with its catalog; a tool neither names is refused.
   */
  readonly effects?: EffectMap<NAMES> | undefined;
  /**
   * The system each tool touches (`payments`, `crm`), for rules that match on target. Default: the
   * target in the policy's catalog.
   */
  readonly targets?: Readonly<Partial<Record<NAMES, string>>> | undefined;
  /**
   * The call context (credential, session, audience...) for each call. It adds to the context of
   * the enforcement's `CallScope` and is overridden by a `palisade` entry in the tool's AI SDK
   * context (`toolsContext: { sendMoney: { palisade: { credential } } }`).
   */
  readonly context?: CallContextSource | undefined;
  /**
   * Where the user's own messages (for provenance checks) come from. `history` (default): the text
   * of every `user` message the AI SDK passes with the call, plus any the context supplies.
   * `context`: only those the call context supplies; choose it when the app puts retrieved text in
   * user messages.
   */
  readonly userMessages?: 'history' | 'context' | undefined;
}
