import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type CallContext,
  type Enforcement,
  type GuardedTool,
  guard,
  type ToolExecutionContext,
} from '@palisade/core';
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
  /** Runs the call once it is allowed, with what the guard decided on. */
  execute(input: ToolArguments, execution: ToolExecutionContext): Output | Promise<Output>;
}

/** Most distinct (name, effect, kind, target) guards kept; beyond it the oldest is dropped. */
const MAX_GUARDS = 512;

/** Runs MCP calls through `guard()`; one per guarded client or server. */
export type GuardedCallRunner = <Output>(call: McpCall<Output>, input: unknown) => Promise<Output>;

/**
 * Returns the runner of MCP calls for one enforcement. A tool's effect can change between calls (a
 * reloaded catalog, a renamed tool), so it is resolved per call; the guard for each resolution is
 * built once and kept (a bounded cache: names come from callers), and the call's own callback
 * reaches it through an async context. A call whose effect is unknown, or whose tool cannot be
 * wrapped, is denied and recorded.
 */
export function createGuardedCallRunner(palisade: Enforcement): GuardedCallRunner {
  const executions = new AsyncLocalStorage<
    (input: ToolArguments, execution: ToolExecutionContext) => unknown
  >();
  const guards = new Map<string, GuardedTool<ToolArguments, unknown>>();

  function guardFor(name: string, description: string, resolved: ResolvedTool) {
    const key = `${resolved.kind}\u0000${resolved.effect}\u0000${resolved.target ?? ''}\u0000${name}`;
    let tool = guards.get(key);
    if (tool) return tool;
    tool = guard(
      {
        name,
        description,
        inputSchema: argumentsSchema,
        effect: resolved.effect,
        kind: resolved.kind,
        target: resolved.target,
        execute(parsed, execution) {
          const execute = executions.getStore();
          if (!execute) throw new Error(`"${name}" ran outside of its MCP request`);
          return execute(parsed, execution);
        },
      },
      palisade,
    );
    if (guards.size >= MAX_GUARDS) guards.delete(guards.keys().next().value as string);
    guards.set(key, tool);
    return tool;
  }

  return async function run<Output>(call: McpCall<Output>, input: unknown): Promise<Output> {
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

    let tool: GuardedTool<ToolArguments, unknown>;
    try {
      tool = guardFor(name, call.description, resolved);
    } catch (error) {
      return denyCall(palisade, { name, target: resolved.target, reason: 'invalid-tool', cause: error });
    }
    return executions.run(
      call.execute as (input: ToolArguments, execution: ToolExecutionContext) => unknown,
      () => tool.call(input, context),
    ) as Promise<Output>;
  };
}
