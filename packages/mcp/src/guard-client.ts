import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequest,
  type CallToolResult,
  ListToolsResultSchema,
  type Tool,
  type ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import {
  AccessDeniedError,
  ApprovalRequiredError,
  type CallContext,
  type Enforcement,
  mergeCallContext,
} from '@palisade/core';
import { assertEnforcement } from './internal/assert-enforcement.js';
import { createGuardedCallRunner } from './internal/guarded-call.js';
import { createOpenTelemetryPropagation } from './internal/opentelemetry.js';
import { createToolResolver, type ResolvedTool } from './internal/tool-resolver.js';
import { approvalIdOf, approvalRequiredResult, deniedResult } from './internal/tool-results.js';
import type { McpToolDeclarations, ToolCatalog } from './tool-effects.js';
import type { TraceContextInjector } from './trace-context.js';

/** The parameters of one `tools/call` request. */
export type CallToolParams = CallToolRequest['params'];

/** Options of `guardClient()`. */
export interface GuardClientOptions {
  /**
   * The policy's tool catalog (a policy document's `tools`), or a function returning the one in force.
   * Defaults to the catalog of `palisade.decider` when it is a `@palisade/policy` engine.
   * It wins over the application's declarations and over what the server claims.
   */
  readonly catalog?: ToolCatalog | (() => ToolCatalog | undefined) | undefined;
  /** Effects of tools the catalog does not list. */
  readonly tools?: McpToolDeclarations | undefined;
  /**
   * Whether the server's `readOnlyHint` / `destructiveHint` annotations (from `tools/list`) give the
   * effect of a tool neither the catalog nor `tools` names. Defaults to `'fallback'`; `'ignore'`
   * denies such tools instead of believing the server.
   */
  readonly annotations?: 'fallback' | 'ignore' | undefined;
  /** The target system of tools whose entry names none, e.g. the server's name. */
  readonly target?: string | undefined;
  /**
   * The caller's context (credential, session, user messages): a value, or a function called for
   * every tool call. The enforcement's call scope, when it has one, adds to it.
   */
  readonly context?:
    | CallContext
    | ((params: CallToolParams) => CallContext | undefined | Promise<CallContext | undefined>)
    | undefined;
  /**
   * Writes the trace context into the request's `_meta` (`traceparent`, `tracestate`). Defaults to
   * `@opentelemetry/api` when it is installed; `false` turns it off.
   */
  readonly traceContext?: TraceContextInjector | false | undefined;
  /**
   * How a call the host's policy refuses comes back. `result` (default): as a `CallToolResult`
   * with `isError: true`, the reason as text (what the model reads) and `_meta.palisade` (as a
   * guarded server answers), so an agent loop hands it to the model like any failed tool. `throw`:
   * the call rejects with the core error (`AccessDeniedError`, `ApprovalRequiredError`).
   * Task-based calls always reject.
   */
  readonly refusals?: 'result' | 'throw' | undefined;
}

const GUARDED = Symbol.for('palisade.mcp.guarded-client');

/** Upper bound on `tools/list` pages read to learn a tool's annotations, against endless cursors. */
const MAX_LIST_PAGES = 50;

type Request = (request: unknown, resultSchema: unknown, options?: RequestOptions) => Promise<unknown>;

/**
 * Guards every tool call an MCP client makes: `callTool()`, task-based calls and raw `tools/call`
 * requests all run through the Palisade enforcement loop before anything is sent to the server.
 *
 * The effect of a tool comes from the policy's catalog, then from `options.tools`, and only then from
 * the annotations the server published (`readOnlyHint`, `destructiveHint`); a tool none of them
 * describes is denied. The trace context travels to the server in `_meta.traceparent`.
 *
 * A refused call comes back as a tool result with `isError: true`, the reason as text and
 * `_meta.palisade` = `{ outcome: 'denied', code, reason }`, as a guarded server answers (or, with
 * `refusals: 'throw'`, rejects with the core error); nothing is sent to the server. A call that
 * needs a human comes back with `_meta.palisade` = `{ outcome: 'approval-required', approvalId }`
 * (or rejects with `ApprovalRequiredError`), and calling again with the approval id in
 * `_meta.palisade.approvalId` (see `withApprovalId()`) resumes it. The client is changed in place
 * and returned.
 *
 * @example
 * ```ts
 * const client = guardClient(new Client({ name: 'support-agent', version: '1.0.0' }), palisade, {
 *   catalog: policy.tools,
 *   context: { credential: agentToken, sessionId: 'conversation-42' },
 * });
 * await client.connect(transport);
 * await client.callTool({ name: 'get_ticket', arguments: { id: 'T-1' } });
 * ```
 */
export function guardClient<Mcp extends Client>(
  client: Mcp,
  palisade: Enforcement,
  options: GuardClientOptions = {},
): Mcp {
  const caller = 'guardClient()';
  if (typeof client?.request !== 'function' || typeof client.callTool !== 'function') {
    throw new TypeError(`${caller}: client must be an MCP Client`);
  }
  assertEnforcement(caller, palisade);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${caller}: options must be an object`);
  const resolve = createToolResolver(caller, {
    ...options,
    enforcement: palisade,
  });
  const { context } = options;
  if (
    context !== undefined &&
    typeof context !== 'function' &&
    (typeof context !== 'object' || context === null)
  ) {
    throw new TypeError(`${caller}: options.context must be a CallContext or a function returning one`);
  }
  if (
    options.traceContext !== undefined &&
    options.traceContext !== false &&
    typeof options.traceContext !== 'function'
  ) {
    throw new TypeError(`${caller}: options.traceContext must be a function or false`);
  }
  const refusals = options.refusals ?? 'result';
  if (refusals !== 'result' && refusals !== 'throw') {
    throw new TypeError(`${caller}: options.refusals must be 'result' or 'throw'`);
  }
  if ((client as unknown as Record<symbol, unknown>)[GUARDED] === true) {
    throw new TypeError(`${caller}: this client is already guarded`);
  }

  const runGuardedCall = createGuardedCallRunner(palisade);
  const inject: TraceContextInjector | undefined =
    options.traceContext === false
      ? undefined
      : (options.traceContext ?? createOpenTelemetryPropagation().inject);
  const announced = new Map<string, ToolAnnotations | undefined>();
  const send = client.request.bind(client) as Request;

  function remember(tools: readonly Tool[]): void {
    for (const tool of tools) announced.set(tool.name, tool.annotations);
  }

  async function listAllTools(options: RequestOptions | undefined): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const params = cursor === undefined ? {} : { cursor };
      const result = (await send({ method: 'tools/list', params }, ListToolsResultSchema, options)) as {
        tools: Tool[];
        nextCursor?: string | undefined;
      };
      remember(result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) return;
    }
  }

  async function resolveTool(
    name: string,
    requestOptions: RequestOptions | undefined,
  ): Promise<ResolvedTool | undefined> {
    const known = resolve(name, announced.get(name));
    if (known || options.annotations === 'ignore' || announced.has(name)) return known;
    // The server's annotations are the last resort; learn them if `tools/list` was not called yet.
    await listAllTools(requestOptions);
    return resolve(name, announced.get(name));
  }

  async function callGuarded(
    params: CallToolParams,
    requestOptions: RequestOptions | undefined,
    forward: (params: CallToolParams) => Promise<unknown>,
  ): Promise<unknown> {
    const name = typeof params?.name === 'string' ? params.name : String(params?.name);
    return runGuardedCall(
      {
        name,
        description: `MCP tool ${name}`,
        target: options.target,
        context: async () =>
          mergeCallContext(typeof context === 'function' ? await context(params) : context, {
            approvalId: approvalIdOf(params._meta),
            signal: requestOptions?.signal,
          }),
        resolve: () => resolveTool(name, requestOptions),
        async execute(input) {
          const carrier: Record<string, string> = {};
          await inject?.(carrier);
          return forward({ ...params, arguments: input, _meta: { ...params._meta, ...carrier } });
        },
      },
      params?.arguments,
    );
  }

  const request: Request = async (message, resultSchema, requestOptions) => {
    const { method, params } = message as { method: string; params?: unknown };
    if (method === 'tools/call') {
      const called = callGuarded(params as CallToolParams, requestOptions, (forwarded) =>
        send({ ...(message as object), params: forwarded }, resultSchema, requestOptions),
      );
      // A task-based call expects a task, not a tool result: its refusal stays an error.
      const task = (params as { task?: unknown } | undefined)?.task;
      return refusals === 'throw' || task !== undefined ? called : called.catch(refusalResult);
    }
    const result = await send(message, resultSchema, requestOptions);
    if (method === 'tools/list') remember((result as { tools: Tool[] }).tools);
    return result;
  };
  client.request = request as Mcp['request'];
  Object.defineProperty(client, GUARDED, { value: true });
  return client;
}

/**
 * A refusal as the tool result a model can read. Anything else (the server's own errors, a
 * `CallFailedError`: the call went out) is not a refusal and rejects as it is.
 */
function refusalResult(error: unknown): CallToolResult {
  if (AccessDeniedError.isInstance(error)) return deniedResult(error);
  if (ApprovalRequiredError.isInstance(error)) return approvalRequiredResult(error);
  throw error;
}
