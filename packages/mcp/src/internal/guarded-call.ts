import { type CallContext, type Enforcement, type GuardedTool, guard } from '@palisade/core';
import { argumentsSchema, type ToolArguments } from './arguments-schema.js';
import { denyCall } from './deny-call.js';
import type { ResolvedTool } from './tool-resolver.js';

/** One MCP tool call, as either guard sees it. */
export interface McpCall<Output> {
  readonly name: string;
  readonly description: string;
  /** The target of the call when the tool's entry names none. */
  readonly target: string | undefined;
  /** The caller's context; a throw denies the call. */
  context(): CallContext | Promise<CallContext>;
  /** Finds the tool's effect; `undefined` (or a throw) means nobody vouched for it. */
  resolve(): ResolvedTool | undefined | Promise<ResolvedTool | undefined>;
  execute(input: ToolArguments): Output | Promise<Output>;
}

/**
 * Runs one MCP tool call through `guard()`. The tool is wrapped per call because its effect can
 * change between calls (a reloaded catalog, a renamed tool); a call whose effect is unknown or whose
 * tool cannot be wrapped is denied and recorded.
 */
export async function runGuardedCall<Output>(
  palisade: Enforcement,
  call: McpCall<Output>,
  input: unknown,
): Promise<Output> {
  const { name } = call;
  let context: CallContext;
  try {
    context = await call.context();
  } catch (error) {
    return denyCall(palisade, { name, target: call.target, reason: 'context-failed', cause: error });
  }
  let resolved: ResolvedTool | undefined;
  try {
    resolved = await call.resolve();
  } catch (error) {
    return denyCall(palisade, { name, target: call.target, reason: 'unknown-effect', cause: error });
  }
  if (!resolved) return denyCall(palisade, { name, target: call.target, reason: 'unknown-effect' });

  let tool: GuardedTool<ToolArguments, Output>;
  try {
    tool = guard(
      {
        name,
        description: call.description,
        inputSchema: argumentsSchema,
        effect: resolved.effect,
        kind: resolved.kind,
        target: resolved.target,
        execute: (parsed) => call.execute(parsed),
      },
      palisade,
    );
  } catch (error) {
    return denyCall(palisade, { name, target: resolved.target, reason: 'invalid-tool', cause: error });
  }
  return tool.call(input, context);
}
