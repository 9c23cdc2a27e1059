import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a caller supplies with a guarded call: the credential and the circumstances. It reaches a
 * guarded call explicitly (an argument) or implicitly (a `CallScope`), or both, explicit fields
 * winning.
 */
export interface CallContext {
  /** The agent's credential (a Palisade agent token). Never a pre-built principal. */
  readonly credential?: string | undefined;
  readonly callId?: string | undefined;
  readonly sessionId?: string | undefined;
  /** Extra session labels known to the caller. They add to the stored ones, never replace them. */
  readonly labels?: readonly string[] | undefined;
  /** The user's own messages, for provenance checks. */
  readonly userMessages?: readonly string[] | undefined;
  readonly audience?: string | undefined;
  /** Resume a call paused for approval with the id of the decided request. */
  readonly approvalId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
}

/** An implicit, async-context-carried `CallContext`. */
export interface CallScope {
  /** Runs `fn` with `context` available to every guarded call made inside it. */
  run<T>(context: CallContext, fn: () => T): T;
  /** The innermost context in force, if any. */
  current(): CallContext | undefined;
}

/**
 * Creates a `CallScope` backed by `AsyncLocalStorage`. Nested `run`s merge onto the outer context.
 *
 * @example
 * ```ts
 * const scope = createCallScope();
 * await scope.run({ credential: token }, () => tool.call({ id: 42 }));
 * ```
 */
export function createCallScope(): CallScope {
  const storage = new AsyncLocalStorage<CallContext>();
  return {
    run(context, fn) {
      const outer = storage.getStore();
      return storage.run(outer ? mergeCallContext(outer, context) : { ...context }, fn);
    },
    current() {
      return storage.getStore();
    },
  };
}

/** Merges two contexts: `inner` wins field by field; labels and messages accumulate. */
export function mergeCallContext(
  outer: CallContext | undefined,
  inner: CallContext | undefined,
): CallContext {
  if (!outer) return { ...inner };
  if (!inner) return { ...outer };
  const merged: Record<string, unknown> = { ...outer };
  for (const [key, value] of Object.entries(inner)) {
    if (value !== undefined) merged[key] = value;
  }
  if (outer.labels || inner.labels) merged.labels = union(outer.labels, inner.labels);
  if (outer.userMessages || inner.userMessages) {
    merged.userMessages = [...(outer.userMessages ?? []), ...(inner.userMessages ?? [])];
  }
  if (outer.attributes || inner.attributes) merged.attributes = { ...outer.attributes, ...inner.attributes };
  return merged as CallContext;
}

function union(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}
