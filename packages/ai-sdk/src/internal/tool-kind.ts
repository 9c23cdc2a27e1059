import type { ToolSet } from 'ai';

/** One tool of an AI SDK tool set. */
export type AnyTool = ToolSet[string];

/** Brand set on every tool `guardTools` wrapped; `Symbol.for` so it survives duplicate installs. */
export const GUARDED_TOOL: unique symbol = Symbol.for('palisade.ai-sdk.guarded-tool') as never;

/**
 * How a tool runs: `executable` tools run their `execute` in this process (Palisade can wrap them);
 * `provider-executed` tools run at the model provider and tools without `execute` run in the
 * client, so no wrapper can stand in front of them.
 */
export type ToolRunKind = 'executable' | 'provider-executed' | 'client-side';

/** Classifies a tool of an AI SDK tool set. */
export function toolRunKind(tool: AnyTool): ToolRunKind {
  if (tool.type === 'provider' && (tool as { isProviderExecuted?: unknown }).isProviderExecuted === true) {
    return 'provider-executed';
  }
  return typeof tool.execute === 'function' ? 'executable' : 'client-side';
}

/** True for a tool returned by `guardTools`. */
export function isGuardedTool(tool: AnyTool): boolean {
  return (tool as { [GUARDED_TOOL]?: unknown })[GUARDED_TOOL] === true;
}
