import {
  type CallContext,
  type CallScope,
  catalogEntry,
  EFFECTS,
  type Effect,
  type Enforcement,
  mergeCallContext,
} from '@palisade/core';
import type { ModelMessage } from 'ai';
import type { CallContextSource, PalisadeToolOptions, ToolCallInfo } from '../tool-options.js';
import { userTextsOf } from './messages.js';

/** `PalisadeToolOptions`, checked once, with lookups that cannot be fooled by inherited names. */
export interface ToolSettings {
  /**
   * `options.effects`, else the policy's catalog; `undefined` when neither names the tool. Throws
   * `TypeError` when the policy's catalog lists the tool with a malformed entry.
   */
  effectOf(toolName: string): Effect | undefined;
  /** `options.targets`, else the policy's catalog. */
  targetOf(toolName: string): string | undefined;
  /**
   * The explicit context of one call: the configured source, then the tool's `palisade` context,
   * then what the call itself fixes (its id, the user's messages).
   */
  explicitContext(call: ToolCallInfo): Promise<CallContext>;
  /** The context `guard()` would use: the scope's context under the explicit one. */
  fullContext(call: ToolCallInfo, scope: CallScope | undefined): Promise<CallContext>;
}

/**
 * Validates the shared options; `where` names the caller in error messages. Tools the options do
 * not describe are looked up in the policy catalog of `enforcement.decider`, when it exposes one.
 */
export function toolSettings(
  options: PalisadeToolOptions,
  where: string,
  enforcement: Enforcement,
): ToolSettings {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: options must be an object`);
  const { effects, targets, context, userMessages = 'history' } = options;
  if (
    effects !== undefined &&
    typeof effects !== 'function' &&
    (typeof effects !== 'object' || effects === null)
  ) {
    throw new TypeError(
      `${where}: options.effects must map tool names to effects (${EFFECTS.join(', ')}) or be a function`,
    );
  }
  if (typeof effects === 'object') {
    for (const [name, effect] of Object.entries(effects)) {
      if (!EFFECTS.includes(effect as Effect)) {
        throw new TypeError(
          `${where}: options.effects.${name} must be one of ${EFFECTS.join(', ')}, got ${String(effect)}`,
        );
      }
    }
  }
  if (targets !== undefined) {
    if (typeof targets !== 'object' || targets === null)
      throw new TypeError(`${where}: options.targets must be an object`);
    for (const [name, target] of Object.entries(targets)) {
      if (typeof target !== 'string' || target === '') {
        throw new TypeError(`${where}: options.targets.${name} must be a non-empty string`);
      }
    }
  }
  if (
    context !== undefined &&
    typeof context !== 'function' &&
    (typeof context !== 'object' || context === null)
  ) {
    throw new TypeError(`${where}: options.context must be a call context or a function returning one`);
  }
  if (userMessages !== 'history' && userMessages !== 'context') {
    throw new TypeError(`${where}: options.userMessages must be 'history' or 'context'`);
  }

  function effectOf(toolName: string): Effect | undefined {
    const effect = typeof effects === 'function' ? effects(toolName) : ownValue(effects, toolName);
    if (typeof effect === 'string' && EFFECTS.includes(effect as Effect)) return effect as Effect;
    return catalogEntry(enforcement, toolName)?.effect;
  }

  function targetOf(toolName: string): string | undefined {
    const target = targets ? ownValue(targets as Record<string, string>, toolName) : undefined;
    return target ?? catalogEntry(enforcement, toolName)?.target;
  }

  async function explicitContext(call: ToolCallInfo): Promise<CallContext> {
    const configured = await resolveSource(context, call);
    const fromTool = palisadeContextOf(call.toolContext);
    const fixed: CallContext = {
      callId: call.toolCallId,
      userMessages: userMessages === 'history' ? userTextsOf(call.messages as ModelMessage[]) : undefined,
    };
    return mergeCallContext(mergeCallContext(configured, fromTool), fixed);
  }

  return {
    effectOf,
    targetOf,
    explicitContext,
    async fullContext(call, scope) {
      return mergeCallContext(scope?.current(), await explicitContext(call));
    },
  };
}

async function resolveSource(
  source: CallContextSource | undefined,
  call: ToolCallInfo,
): Promise<CallContext | undefined> {
  if (source === undefined) return undefined;
  const resolved = typeof source === 'function' ? await source(call) : source;
  if (resolved !== undefined && (typeof resolved !== 'object' || resolved === null)) {
    throw new TypeError('The call context source returned a value that is not a call context');
  }
  return resolved;
}

/** The `palisade` entry of a tool's AI SDK context, when it is an object. */
function palisadeContextOf(toolContext: unknown): CallContext | undefined {
  if (typeof toolContext !== 'object' || toolContext === null) return undefined;
  const entry = ownValue(toolContext as Record<string, unknown>, 'palisade');
  if (entry === undefined) return undefined;
  if (typeof entry !== 'object' || entry === null) {
    throw new TypeError('The `palisade` entry of the tool context must be a call context object');
  }
  return entry as CallContext;
}

/** Own properties only: a tool named `constructor` must not find `Object.prototype.constructor`. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
