import type { CallContext } from '@palisade/core';

/** Where a LangChain call's circumstances come from. */
export interface ContextSource {
  /**
   * LangGraph's run context (`agent.invoke(input, { context })`, `runtime.context` in middleware,
   * `config.context` in a tool). It is not checkpointed: a resumed run must be given it again.
   */
  readonly context: unknown;
  /** `config.configurable` (holds `thread_id`). */
  readonly configurable: Readonly<Record<string, unknown>> | undefined;
  /** The tool call being guarded; `undefined` for retrievals. */
  readonly toolCall?:
    | { readonly id?: string | undefined; readonly name: string; readonly args: unknown }
    | undefined;
}

/**
 * Maps a LangChain call's context to Palisade's `CallContext` (credential, session, ...). Throwing
 * denies the call. Never set `approvalId` here: the adapter sets it only from a resumed interrupt.
 */
export type ContextResolver = (source: ContextSource) => CallContext | undefined;

const STRING_FIELDS = ['credential', 'sessionId', 'audience'] as const;
const LIST_FIELDS = ['labels', 'userMessages'] as const;

/**
 * The default `ContextResolver`. Reads `credential`, `sessionId`, `audience`, `labels`,
 * `userMessages` and `attributes` from the run context, falling back to `config.configurable` for
 * each; the session defaults to the LangGraph `thread_id`. A field of the wrong type throws (the
 * call is denied) rather than being ignored.
 *
 * @example
 * ```ts
 * // agent.invoke(input, { context: { credential: agentToken }, configurable: { thread_id: 't-1' } })
 * readCallContext({ context: { credential: agentToken }, configurable: { thread_id: 't-1' } });
 * // -> { credential: agentToken, sessionId: 't-1' }
 * ```
 */
export function readCallContext(source: ContextSource): CallContext {
  const context = isRecord(source.context) ? source.context : {};
  const configurable = source.configurable ?? {};
  const read = (key: string): unknown => (context[key] !== undefined ? context[key] : configurable[key]);
  const result: Record<string, unknown> = {};

  for (const key of STRING_FIELDS) {
    const value = read(key);
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`Call context field "${key}" must be a string`);
    result[key] = value;
  }
  if (result.sessionId === undefined && typeof configurable.thread_id === 'string') {
    result.sessionId = configurable.thread_id;
  }
  for (const key of LIST_FIELDS) {
    const value = read(key);
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
      throw new TypeError(`Call context field "${key}" must be an array of strings`);
    }
    result[key] = [...value];
  }
  const attributes = read('attributes');
  if (attributes !== undefined) {
    if (!isRecord(attributes)) throw new TypeError('Call context field "attributes" must be an object');
    result.attributes = { ...attributes };
  }
  return result as CallContext;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
