import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import {
  AccessDeniedError,
  ApprovalRequiredError,
  type CallContext,
  type Enforcement,
  mergeCallContext,
} from '@palisade/core';
import { ContentBlockedError } from '@palisade/retrieval-guard';
import { assertEnforcement, assertOptionalFunction } from './internal/assert-enforcement.js';
import { createGuardedCallRunner } from './internal/guarded-call.js';
import { createOpenTelemetryPropagation } from './internal/opentelemetry.js';
import { assertContentScreening, type ContentScreening, screenContent } from './internal/screen-content.js';
import { createToolResolver, type ResolvedTool } from './internal/tool-resolver.js';
import {
  approvalIdOf,
  approvalRequiredMeta,
  approvalRequiredResult,
  deniedMeta,
  deniedResult,
  refusalError,
} from './internal/tool-results.js';
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
  /**
   * The content layer for what resources and prompts return: injection screening (`screener`,
   * flagged text blocked or spotlighted with the session tainted) and redaction (`redactor`), from
   * `@palisade/retrieval-guard`. A detector that fails refuses the content.
   */
  readonly content?: ContentScreening | undefined;
}

const GUARDED = Symbol.for('palisade.mcp.guarded-server');

type AnyHandler = (...parameters: unknown[]) => unknown;

/** What a guarded registration is: a tool, a resource (fixed URI or template) or a prompt. */
type RegistrationKind = 'tool' | 'resource' | 'resource-template' | 'prompt';

/** The property of each registered object that holds its callback. */
const CALLBACK_SLOT: Readonly<Record<RegistrationKind, string>> = {
  tool: 'handler',
  resource: 'readCallback',
  'resource-template': 'readCallback',
  prompt: 'callback',
};

/** A registration and the name it answers to now; `update({ name })` can change it. */
interface Registration {
  readonly kind: RegistrationKind;
  name: string;
  registered?: Record<string, unknown>;
}

/** One call of a registered callback, as the guard sees it. */
interface Invocation {
  readonly input: unknown;
  readonly extra: ToolHandlerExtra;
}

/**
 * Guards every tool, resource and prompt of an MCP server: each `tools/call`, `resources/read` and
 * `prompts/get` runs through the Palisade enforcement loop before its callback, with the caller's
 * credential read from `extra.authInfo`.
 *
 * Call it right after creating the server, before registering anything. It covers
 * `registerTool()`, `registerResource()` (fixed URIs and templates), `registerPrompt()`, their
 * older forms, and callbacks swapped in later through `update()` or by assignment; task-based
 * tools (`experimental.tasks.registerToolTask()`) are refused. Resources and prompts are
 * `retrieval`s that `read` unless the policy's catalog says otherwise; their input is `{ uri }`,
 * `{ uri, variables }` (templates) or the prompt's arguments.
 *
 * A refused tool call becomes a tool result with `isError: true`, the reason as text and
 * `_meta.palisade` = `{ outcome: 'denied', code, reason }`; a call that needs a human becomes a
 * result with `_meta.palisade` = `{ outcome: 'approval-required', approvalId, expiresAt }`, and
 * calling again with `_meta.palisade.approvalId` (see `withApprovalId()`) resumes it once a
 * reviewer approved. Resource and prompt results have no `isError`: their refusals are `McpError`s
 * (`InvalidRequest`) carrying the same fields in `data.palisade`. Errors thrown by a callback
 * itself are left to the MCP SDK, as without Palisade.
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
  assertContentScreening(caller, options.content);
  const content = options.content;
  assertOptionalFunction(caller, 'context', options.context);
  if (options.traceContext !== undefined && options.traceContext !== false) {
    assertOptionalFunction(caller, 'traceContext', options.traceContext);
  }
  if ((server as unknown as Record<symbol, unknown>)[GUARDED] === true) {
    throw new TypeError(`${caller}: this server is already guarded`);
  }
  try {
    for (const method of ['tools/call', 'resources/read', 'prompts/get']) {
      server.server.assertCanSetRequestHandler(method);
    }
  } catch {
    throw new TypeError(
      `${caller}: tools, resources or prompts are already registered on this server; guard it before registering any`,
    );
  }

  const runGuardedCall = createGuardedCallRunner(palisade);
  const credentialOf = options.credential ?? ((extra: ToolHandlerExtra) => extra.authInfo?.token);
  const contextOf =
    options.context ?? ((extra: ToolHandlerExtra): CallContext => ({ sessionId: extra.sessionId }));
  const extract: TraceContextExtractor | undefined =
    options.traceContext === false
      ? undefined
      : (options.traceContext ?? createOpenTelemetryPropagation().extract);

  function descriptionOf(state: Registration): string {
    const registered = state.registered;
    const description =
      registered?.description ?? (registered?.metadata as { description?: unknown })?.description;
    return typeof description === 'string' ? description : '';
  }

  /**
   * Reads what one call of a registered callback asks for. The SDK calls a tool `handler(args,
   * extra)` with an input schema and `handler(extra)` without; a resource `read(uri, extra)`, a
   * resource template `read(uri, variables, extra)`, a prompt `callback(args, extra)` or
   * `callback(extra)`.
   */
  function invocationOf(kind: RegistrationKind, parameters: unknown[]): Invocation {
    const extra = parameters[parameters.length - 1] as ToolHandlerExtra;
    if (kind === 'resource' || kind === 'resource-template') {
      const uri = String(parameters[0]);
      return {
        extra,
        input: kind === 'resource' ? { uri } : { uri, variables: { ...(parameters[1] as object) } },
      };
    }
    return { extra, input: parameters.length > 1 ? parameters[0] : undefined };
  }

  async function runGuarded(
    state: Registration,
    handler: AnyHandler,
    parameters: unknown[],
  ): Promise<unknown> {
    const { extra, input } = invocationOf(state.kind, parameters);
    const name = state.name;
    const tool = state.kind === 'tool';
    try {
      const call = () =>
        runGuardedCall(
          {
            name,
            description: descriptionOf(state),
            target: options.target,
            context: () =>
              mergeCallContext(contextOf(extra), {
                credential: credentialOf(extra),
                approvalId: approvalIdOf(extra._meta),
                signal: extra.signal,
              }),
            resolve: () =>
              tool
                ? resolve(name, state.registered?.annotations as ToolAnnotations | undefined)
                : resolveContent(name),
            // Tools and prompts run on the arguments the policy saw, as the guard hands them over;
            // a resource read gets its URL (and template variables), which the request describes.
            execute: async (parsed, execution) => {
              if (tool) return parameters.length < 2 ? handler(extra) : handler(parsed, extra);
              const result =
                state.kind === 'prompt' && parameters.length >= 2
                  ? await handler(parsed, extra)
                  : await handler(...parameters);
              // What a resource or prompt returns is content: screened and redacted before it leaves.
              if (!content) return result;
              return screenContent(result, content, {
                sessions: palisade.sessions,
                sessionId: execution.request.context.sessionId,
              });
            },
          },
          input,
        );
      return await (extract ? extract(extra._meta ?? {}, call) : call());
    } catch (error) {
      if (AccessDeniedError.isInstance(error)) {
        if (tool) return deniedResult(error);
        throw refusalError(deniedMeta(error));
      }
      if (ApprovalRequiredError.isInstance(error)) {
        if (tool) return approvalRequiredResult(error);
        throw refusalError(approvalRequiredMeta(error));
      }
      if (!tool && ContentBlockedError.isInstance(error)) {
        throw refusalError({ outcome: 'denied', code: error.code, reason: error.message });
      }
      throw error;
    }
  }

  /**
   * Resources and prompts are reads: the policy's catalog (or `options.tools`) says what they are,
   * and one it does not list is a `retrieval` that only `read`s (the policy denies what its catalog
   * does not list).
   */
  function resolveContent(name: string): ResolvedTool {
    return (
      resolve(name, undefined) ?? {
        effect: 'read',
        kind: 'retrieval',
        target: options.target,
        source: 'declaration',
      }
    );
  }

  function guardHandler(state: Registration, handler: unknown): AnyHandler {
    if (typeof handler !== 'function') {
      throw new TypeError(`${caller}: the callback of ${state.kind} "${state.name}" must be a function`);
    }
    return (...parameters: unknown[]) => runGuarded(state, handler as AnyHandler, parameters);
  }

  /** Keeps the registration guarded whatever is later assigned to its callback or name. */
  function adopt<Registered extends object>(state: Registration, registered: Registered): Registered {
    const record = registered as unknown as Record<string, unknown>;
    state.registered = record;
    const slot = CALLBACK_SLOT[state.kind];
    let current = guardHandler(state, record[slot]);
    Object.defineProperty(registered, slot, {
      configurable: false,
      enumerable: true,
      get: () => current,
      set: (next: unknown) => {
        current = guardHandler(state, next);
      },
    });
    const update = record.update as (updates: Record<string, unknown>) => void;
    record.update = (updates: Record<string, unknown>) => {
      if (updates.callback !== undefined) guardHandler(state, updates.callback);
      update(updates);
      if (typeof updates.name === 'string') state.name = updates.name;
    };
    return registered;
  }

  /**
   * Registers through the SDK, then guards the result; a callback that is not a function never
   * registers. A resource is registered as a template when given a `ResourceTemplate`.
   */
  function register<Registered extends object>(
    kind: RegistrationKind,
    original: (...parameters: unknown[]) => Registered,
  ) {
    return (name: string, ...rest: unknown[]): Registered => {
      const resolvedKind = kind === 'resource' && typeof rest[0] !== 'string' ? 'resource-template' : kind;
      const state: Registration = { kind: resolvedKind, name };
      guardHandler(state, rest[rest.length - 1]);
      return adopt(state, original(name, ...rest));
    };
  }
  server.registerTool = register('tool', server.registerTool.bind(server) as never) as Server['registerTool'];
  server.tool = register('tool', server.tool.bind(server) as never) as Server['tool'];
  server.registerResource = register(
    'resource',
    server.registerResource.bind(server) as never,
  ) as Server['registerResource'];
  server.resource = register('resource', server.resource.bind(server) as never) as Server['resource'];
  server.registerPrompt = register(
    'prompt',
    server.registerPrompt.bind(server) as never,
  ) as Server['registerPrompt'];
  server.prompt = register('prompt', server.prompt.bind(server) as never) as Server['prompt'];

  const tasks = server.experimental.tasks;
  tasks.registerToolTask = (() => {
    throw new TypeError(
      `${caller}: task-based tools cannot be guarded yet; register the tool with registerTool()`,
    );
  }) as typeof tasks.registerToolTask;

  Object.defineProperty(server, GUARDED, { value: true });
  return server;
}
