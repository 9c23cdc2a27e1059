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
 * An async-context store (`AsyncLocalStorage`'s shape): Node's `node:async_hooks`, the global one
 * edge runtimes provide, or any implementation with the same two methods.
 */
export interface AsyncContextStorage<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

/** Options for `createCallScope`. */
export interface CallScopeOptions {
  /**
   * The async-context store to carry contexts in. By default, a new `AsyncLocalStorage` from the
   * runtime: the global one (edge runtimes) or Node's, looked up when the scope is created.
   */
  readonly storage?: AsyncContextStorage<CallContext> | undefined;
}

/**
 * Creates a `CallScope` backed by `AsyncLocalStorage`. Nested `run`s merge onto the outer context.
 *
 * Core imports nothing Node-only: the storage is the runtime's own `AsyncLocalStorage` (global on
 * edge runtimes, Node's through `process.getBuiltinModule`), or one passed as `options.storage`. On
 * a runtime with neither, this throws a `TypeError`: pass `storage`, or pass the context explicitly
 * to every call (`tool.call(input, context)`), which needs no scope at all.
 *
 * @example
 * ```ts
 * const scope = createCallScope();
 * await scope.run({ credential: token }, () => tool.call({ id: 42 }));
 * ```
 */
export function createCallScope(options: CallScopeOptions = {}): CallScope {
  const storage = options.storage ?? runtimeStorage();
  if (typeof storage?.run !== 'function' || typeof storage.getStore !== 'function') {
    throw new TypeError(
      'createCallScope(): this runtime has no AsyncLocalStorage; pass options.storage, or pass the call context explicitly to each call',
    );
  }
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

type StorageConstructor = new () => AsyncContextStorage<CallContext>;

/** The runtime's own `AsyncLocalStorage`, without importing anything Node-only. */
function runtimeStorage(): AsyncContextStorage<CallContext> | undefined {
  const runtime = globalThis as {
    AsyncLocalStorage?: StorageConstructor;
    process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: StorageConstructor } | undefined };
  };
  const Storage =
    runtime.AsyncLocalStorage ?? runtime.process?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage;
  return Storage ? new Storage() : undefined;
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
