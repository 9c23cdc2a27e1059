import { randomBytes } from 'node:crypto';
import type { Enforcement } from '@palisade/core';
import type { ToolSet } from 'ai';
import {
  createToolApproval,
  type PalisadeToolApproval,
  type ToolApprovalOptions,
} from './create-tool-approval.js';
import { type GuardToolsOptions, guardTools } from './guard-tools.js';

/** Options of `guardedToolSettings`. */
export interface GuardedToolSettingsOptions<NAMES extends string = string>
  extends ToolApprovalOptions<NAMES> {
  /**
   * The secret that HMAC-signs the AI SDK's approval requests (at least 32 bytes). Default: 32
   * random bytes, drawn once per call of `guardedToolSettings`. Give one when several processes
   * (replicas, restarts) must accept each other's approval requests.
   */
  readonly secret?: string | Uint8Array | undefined;
  /** Screening of what the tools return; see `GuardToolsOptions.screenResults`. */
  readonly screenResults?: GuardToolsOptions['screenResults'];
}

/** The `generateText` / `streamText` / `ToolLoopAgent` options that put Palisade in front of every tool. */
export interface GuardedToolSettings<TOOLS extends ToolSet> {
  readonly tools: TOOLS;
  readonly toolApproval: PalisadeToolApproval;
  readonly experimental_toolApprovalSecret: string | Uint8Array;
}

/**
 * Guards a tool set and returns the generation options that go with it: the guarded tools, the
 * policy-backed `toolApproval`, and `experimental_toolApprovalSecret`, so that the AI SDK signs
 * every approval request and refuses approvals a client forged or altered. Tools Palisade cannot
 * wrap (provider-executed, client-side) are decided by the `toolApproval` alone.
 *
 * Create the settings once per process (not per request): the default secret is drawn here, and
 * an approval request signed with one secret is refused under another.
 *
 * @example
 * ```ts
 * const settings = guardedToolSettings({ getBalance, sendMoney }, palisade, {
 *   effects: { getBalance: 'read', sendMoney: 'send' },
 *   approvals: approvalService,
 * });
 * const result = await generateText({ model, ...settings, prompt: 'Pay my rent' });
 * ```
 */
export function guardedToolSettings<TOOLS extends ToolSet>(
  tools: TOOLS,
  palisade: Enforcement,
  options: GuardedToolSettingsOptions<keyof TOOLS & string>,
): GuardedToolSettings<TOOLS> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('guardedToolSettings(): options must be an object');
  }
  const { secret = randomBytes(32), screenResults, ...shared } = options;
  const length =
    typeof secret === 'string'
      ? Buffer.byteLength(secret)
      : secret instanceof Uint8Array
        ? secret.byteLength
        : -1;
  if (length < 32) {
    throw new TypeError(
      'guardedToolSettings(): options.secret must be a string or Uint8Array of at least 32 bytes',
    );
  }
  return {
    tools: guardTools(tools, palisade, { ...shared, screenResults, unwrappable: 'tool-approval' }),
    toolApproval: createToolApproval(palisade, shared),
    experimental_toolApprovalSecret: typeof secret === 'string' ? secret : new Uint8Array(secret),
  };
}
