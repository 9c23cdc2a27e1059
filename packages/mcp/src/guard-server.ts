import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import {
  AccessDeniedError,
  ApprovalRequiredError,
  type CallContext,
  type Enforcement,
  mergeCallContext,
} from '@palisade/core';
import { assertEnforcement, assertOptionalFunction } from './internal/assert-enforcement.js';
import { runGuardedCall } from './internal/guarded-call.js';
import { createOpenTelemetryPropagation } from './internal/opentelemetry.js';
import { createToolResolver } from './internal/tool-resolver.js';
import { approvalIdOf, approvalRequiredResult, deniedResult } from './internal/tool-results.js';
import type { McpToolDeclarations, ToolCatalog } from './tool-effects.js';
import type { TraceContextExtractor } from './trace-context.js';

/** What an MCP tool handler receives besides its arguments. */
export type ToolHandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Options of `guardServer()`. */
export interface GuardServerOptions {
  /**
   * The policy's tool catalog (a policy document's `tools`), or a function returning the one in force.
   * Defaults to the catalog of `palisade.decider` when it is a `@palisade/policy` engine.
   * It wins over the application's declarations and over annotations.
   */
  readonly catalog?: ToolCatalog | (() => ToolCatalog | undefined) | undefined;
  /** Effects of tools the catalog does not list. */
  readonly tools?: McpToolDeclarations | undefined;
  /**
   * Whether the `readOnlyHint` / `destructiveHint` annotations a tool was registered with give its
   * effect when neither the catalog nor `tools` does. Defaults to `'fallback'`.
   */
  readonly annotations?: 'fallback' | 'ignore' | undefined;
  /** The target system of tools whose entry names none, e.g. this server's name. */
  readonly target?: string | undefined;
  /**
   * Reads the caller's credential from the request. Defaults to `extra.authInfo?.token`: the bearer
   * token the transport's authentication middleware verified and attached.
   */
  readonly credential?: ((extra: ToolHandlerExtra) => string | undefined) | undefined;
  /**
   * The rest of the call context (session, audience, user messages, attributes). Defaults to the
   * transport's session id, which the server assigns; a session id the client sends would let a
   * tainted agent start a clean session.
   */
  readonly context?: ((extra: ToolHandlerExtra) => CallContext | undefined) | undefined;
  /**
   * Joins the trace in the request's `_meta` (`traceparent`). Defaults to `@opentelemetry/api` when it
   * is installed; `false` turns it off.
   */
  readonly traceContext?: TraceContextExtractor | false | undefined;
}

const GUARDED = Symbol.for('palisade.mcp.guarded-server');

type AnyHandler = (...parameters: unknown[]) => unknown;

/** The name a registered tool answers to now; `update({ name })` can change it. */
interface ToolState {
  name: string;
  registered?: RegisteredTool;
}

/**
 * Guards every tool of an MCP server: each call runs through the Palisade enforcement loop before
 * its handler, with the caller's credential read from `extra.authInfo`.
 *
 * Call it right after creating the server, before registering tools. It covers `registerTool()`,
 * the older `tool()`, and callbacks swapped in later through `RegisteredTool.update()` or
 * `RegisteredTool.handler`; task-based tools (`experimental.tasks.registerToolTask()`) are refused.
 *
 * A refused call becomes a tool result with `isError: true`, the reason as text and
 * `_meta.palisade` = `{ outcome: 'denied', code, reason }`. A call that needs a human becomes a
 * result with `_meta.palisade` = `{ outcome: 'approval-required', approvalId, expiresAt }`; calling
 * the tool again with `_meta.palisade.approvalId` (see `withApprovalId()`) resumes it once a reviewer
 * approved. Errors thrown by a handler itself are left to the MCP SDK, as without Palisade.
 *
 * @example
 * ```ts
 * const server = guardServer(new McpServer({ name: 'billing', version: '1.0.0' }), palisade, {
 *   catalog: policy.tools,
 * });
 * server.registerTool(
 *   'refund',
 *   { description: 'Refund an order', inputSchema: { orderId: z.string(), amount: z.number() } },
 *   async ({ orderId, amount }) => ({ content: [{ type: 'text', text: await refund(orderId, amount) }] }),
 * );
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-06-18/server/tools#error-handling
 */
export function guardServer<Server extends McpServer>(
  server: Server,
  palisade: Enforcement,
  options: GuardServerOptions = {},
): Server {
  const caller = 'guardServer()';
  if (
    typeof server?.registerTool !== 'function' ||
    typeof server.server?.assertCanSetRequestHandler !== 'function'
  ) {
    throw new TypeError(`${caller}: server must be an McpServer`);
  }
  assertEnforcement(caller, palisade);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${caller}: options must be an object`);
  const resolve = createToolResolver(caller, {
    ...options,
    enforcement: palisade,
  });
  assertOptionalFunction(caller, 'credential', options.credential);
  assertOptionalFunction(caller, 'context', options.context);
  if (options.traceContext !== undefined && options.traceContext !== false) {
    assertOptionalFunction(caller, 'traceContext', options.traceContext);
  }
  if ((server as unknown as Record<symbol, unknown>)[GUARDED] === true) {
    throw new TypeError(`${caller}: this server is already guarded`);
  }
  try {
    server.server.assertCanSetRequestHandler('tools/call');
  } catch {
    throw new TypeError(
      `${caller}: tools are already registered on this server; guard it before registering any`,
    );
  }

  const credentialOf = options.credential ?? ((extra: ToolHandlerExtra) => extra.authInfo?.token);
  const contextOf =
    options.context ?? ((extra: ToolHandlerExtra): CallContext => ({ sessionId: extra.sessionId }));
  const extract: TraceContextExtractor | undefined =
    options.traceContext === false
      ? undefined
      : (options.traceContext ?? createOpenTelemetryPropagation().extract);

  async function runGuarded(state: ToolState, handler: AnyHandler, parameters: unknown[]): Promise<unknown> {
    // The SDK calls `handler(args, extra)` for tools with an input schema and `handler(extra)` without.
    const withArguments = parameters.length > 1;
    const extra = parameters[parameters.length - 1] as ToolHandlerExtra;
    const name = state.name;
    try {
      const call = () =>
        runGuardedCall(
          palisade,
          {
            name,
            description: state.registered?.description ?? '',
            target: options.target,
            context: () =>
              mergeCallContext(contextOf(extra), {
                credential: credentialOf(extra),
                approvalId: approvalIdOf(extra._meta),
                signal: extra.signal,
              }),
            resolve: () => resolve(name, state.registered?.annotations),
            execute: (input) => (withArguments ? handler(input, extra) : handler(extra)),
          },
          withArguments ? parameters[0] : undefined,
        );
      return await (extract ? extract(extra._meta ?? {}, call) : call());
    } catch (error) {
      if (AccessDeniedError.isInstance(error)) return deniedResult(error as AccessDeniedError);
      if (ApprovalRequiredError.isInstance(error))
        return approvalRequiredResult(error as ApprovalRequiredError);
      throw error;
    }
  }

  function guardHandler(state: ToolState, handler: unknown): AnyHandler {
    if (typeof handler !== 'function') {
      throw new TypeError(`${caller}: the handler of tool "${state.name}" must be a function`);
    }
    return (...parameters: unknown[]) => runGuarded(state, handler as AnyHandler, parameters);
  }

  /** Keeps the registered tool guarded whatever is later assigned to its handler or name. */
  function adopt(state: ToolState, registered: RegisteredTool): RegisteredTool {
    state.registered = registered;
    let current = guardHandler(state, registered.handler);
    Object.defineProperty(registered, 'handler', {
      configurable: false,
      enumerable: true,
      get: () => current,
      set: (next: unknown) => {
        current = guardHandler(state, next);
      },
    });
    const update = registered.update;
    registered.update = (updates) => {
      if (updates.callback !== undefined) guardHandler(state, updates.callback);
      update(updates);
      if (typeof updates.name === 'string') state.name = updates.name;
    };
    return registered;
  }

  /** Registers through the SDK, then guards the result; a callback that is not a function never registers. */
  function register(original: (...parameters: unknown[]) => RegisteredTool) {
    return (name: string, ...rest: unknown[]): RegisteredTool => {
      const state: ToolState = { name };
      guardHandler(state, rest[rest.length - 1]);
      return adopt(state, original(name, ...rest));
    };
  }
  server.registerTool = register(server.registerTool.bind(server) as never) as Server['registerTool'];
  server.tool = register(server.tool.bind(server) as never) as Server['tool'];

  const tasks = server.experimental.tasks;
  tasks.registerToolTask = (() => {
    throw new TypeError(
      `${caller}: task-based tools cannot be guarded yet; register the tool with registerTool()`,
    );
  }) as typeof tasks.registerToolTask;

  Object.defineProperty(server, GUARDED, { value: true });
  return server;
}
