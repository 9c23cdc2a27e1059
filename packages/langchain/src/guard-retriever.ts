import { randomUUID } from 'node:crypto';
import type { DocumentInterface } from '@langchain/core/documents';
import type { BaseRetriever, BaseRetrieverInterface } from '@langchain/core/retrievers';
import { type Enforcement, GuardFaultError, type ToolExecutionContext } from '@palisade/core';
import { type CallDefinition, createCallRunner } from './internal/call-runner.js';
import { recordRefusal } from './internal/denial.js';
import { GuardedRetriever } from './internal/guarded-retriever.js';
import { queryInputSchema } from './internal/query-input-schema.js';
import { createToolCatalog } from './internal/tool-catalog.js';
import type { ContextResolver } from './read-call-context.js';

/**
 * Sees the documents a guarded retrieval returned, inside the guarded call, before the caller gets
 * them; returns the documents to hand on. The seam where content screening plugs in. Throwing
 * withholds every document (the retrieval fails).
 */
export type RetrievalScreen = (
  documents: DocumentInterface[],
  context: ToolExecutionContext,
) => DocumentInterface[] | Promise<DocumentInterface[]>;

/** Options of `guardRetriever`. */
export interface GuardRetrieverOptions {
  /** The retriever's name in policy (the request's `name`); required, there is no default. */
  readonly name: string;
  readonly description?: string | undefined;
  /** The system the retriever reads (`kb`, `crm`). */
  readonly target?: string | undefined;
  /** Maps LangChain's run context to the call context. Default: `readCallContext`. */
  readonly context?: ContextResolver | undefined;
  readonly screen?: RetrievalScreen | undefined;
}

/**
 * Wraps a retriever so that every query goes through Palisade as a `retrieval` request with effect
 * `read` and input `{ query }`. The call context comes from the run config (`config.context`,
 * `config.configurable`) and the enforcement's `CallScope`, as for tools.
 *
 * A denied query throws `AccessDeniedError` (inside a guarded tool, the tool then answers with a
 * refusal); a query the policy sends to a human throws `ApprovalRequiredError`.
 *
 * @example
 * ```ts
 * const kb = guardRetriever(vectorStore.asRetriever(), palisade, { name: 'kb_search', target: 'kb' });
 * const docs = await kb.invoke('refund policy', { context: { credential: agentToken } });
 * ```
 */
export function guardRetriever(
  retriever: BaseRetrieverInterface,
  enforcement: Enforcement,
  options: GuardRetrieverOptions,
): BaseRetriever {
  if (typeof retriever?.invoke !== 'function')
    throw new TypeError('guardRetriever(): retriever must have invoke()');
  if (typeof options !== 'object' || options === null)
    throw new TypeError('guardRetriever(): options are required');
  if (options.screen !== undefined && typeof options.screen !== 'function') {
    throw new TypeError('guardRetriever(): options.screen must be a function');
  }
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new TypeError('guardRetriever(): options.description must be a string');
  }
  const catalog = createToolCatalog(
    {
      effects: { [options.name]: 'read' },
      targets: options.target === undefined ? undefined : { [options.name]: options.target },
      context: options.context,
    },
    'guardRetriever()',
    enforcement,
  );
  const definition: CallDefinition = {
    name: options.name,
    description: options.description ?? '',
    inputSchema: queryInputSchema,
    effect: 'read',
    kind: 'retrieval',
    target: options.target,
  };
  // Built once, here: this validates the name and the enforcement now, not at the first query.
  const runner = createCallRunner(enforcement, definition);
  const screen = options.screen;

  return new GuardedRetriever(async (query, config) => {
    const callId = enforcement.newCallId?.() ?? randomUUID();
    let context: ReturnType<typeof catalog.resolveContext>;
    try {
      context = catalog.resolveContext({
        context: (config as { context?: unknown } | undefined)?.context,
        configurable: config?.configurable,
      });
    } catch (error) {
      const refusal = new GuardFaultError(`Denied "${definition.name}": the call context could not be read`, {
        stage: 'context',
        tool: definition.name,
        callId,
        cause: error,
      });
      await recordRefusal(
        enforcement,
        { kind: 'retrieval', name: definition.name, effect: 'read', callId, target: definition.target },
        refusal,
      );
      throw refusal;
    }
    const outcome = await runner.run({
      args: { query },
      context: { ...context, signal: context.signal ?? config?.signal },
      callId,
      approvalId: undefined,
      execute: async (_input, guardContext) => {
        const documents = await retriever.invoke(query, config);
        return screen ? screen(documents, guardContext) : documents;
      },
    });
    if (outcome.status === 'done') return outcome.value as DocumentInterface[];
    throw outcome.error;
  }, options.name);
}
