import type { DocumentInterface } from '@langchain/core/documents';
import type { BaseRetriever, BaseRetrieverInterface } from '@langchain/core/retrievers';
import type { RunnableConfig } from '@langchain/core/runnables';
import { type Enforcement, GuardFaultError, recordRefusal, type ToolExecutionContext } from '@palisade/core';
import {
  type GuardRetrieverOptions as ContentGuardOptions,
  createRedactor,
  createScreener,
  guardRetriever as guardContent,
  type RetrieverRequest,
} from '@palisade/retrieval-guard';
import { type CallDefinition, createCallRunner } from './internal/call-runner.js';
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

/**
 * The content layer of a guarded retriever (`@palisade/retrieval-guard`): document permissions,
 * provenance, injection screening and redaction, run on the documents of every allowed query.
 */
export interface RetrieverContentOptions
  extends Omit<ContentGuardOptions, 'name' | 'recorder' | 'tracer' | 'sessions'> {
  /**
   * Fetches one round of documents: pass `request.filter.memoryVectorStore` (or `pgVectorStore`) to
   * the store so that permissions also apply inside the query, and fetch `request.k` documents.
   * Default: the wrapped retriever's `invoke(query)` (permissions then apply to what it returns).
   */
  readonly fetch?:
    | ((
        query: string,
        request: RetrieverRequest,
        config: RunnableConfig | undefined,
      ) => Promise<DocumentInterface[]>)
    | undefined;
  /** Receives one record per retrieval (counts and kinds, never document text). */
  readonly recorder?: ContentGuardOptions['recorder'];
  readonly tracer?: ContentGuardOptions['tracer'];
}

/** Options of `guardRetriever`. */
export interface GuardRetrieverOptions {
  /** The retriever's name in policy (the request's `name`); required, there is no default. */
  readonly name: string;
  readonly description?: string | undefined;
  /** The system the retriever reads (`kb`, `crm`). */
  readonly target?: string | undefined;
  /** Maps LangChain's run context to the call context. Default: `readCallContext`. */
  readonly context?: ContextResolver | undefined;
  /**
   * The content layer: only permitted, provenanced, screened and redacted documents reach the
   * caller; a flagged document is dropped, quarantined, or spotlighted and the session tainted
   * (in the enforcement's session store). Without it, documents pass as the retriever returns them.
   */
  readonly content?: RetrieverContentOptions | undefined;
  readonly screen?: RetrievalScreen | undefined;
}

/**
 * Wraps a retriever so that every query goes through Palisade as a `retrieval` request with effect
 * `read` and input `{ query }`; with `options.content`, the documents of an allowed query then go
 * through the content layer (permissions, provenance, injection screening, redaction). The call context comes from the run config (`config.context`,
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
  const content = contentLayer(retriever, enforcement, options);

  return new GuardedRetriever(async (query, config) => {
    const callId = enforcement.newCallId?.() ?? crypto.randomUUID();
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
        enforcement.recorder,
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
        const documents = content
          ? await content(query, config, guardContext)
          : await retriever.invoke(query, config);
        return screen ? screen(documents, guardContext) : documents;
      },
    });
    if (outcome.status === 'done') return outcome.value as DocumentInterface[];
    throw outcome.error;
  }, options.name);
}

type ContentLayer = (
  query: string,
  config: RunnableConfig | undefined,
  context: ToolExecutionContext,
) => Promise<DocumentInterface[]>;

/**
 * The content guard of a retriever, or nothing when none was asked for. Its options are checked now;
 * the screener and redactor are built once and shared by every query.
 */
function contentLayer(
  retriever: BaseRetrieverInterface,
  enforcement: Enforcement,
  options: GuardRetrieverOptions,
): ContentLayer | undefined {
  const content = options.content;
  if (content === undefined) return undefined;
  if (typeof content !== 'object' || content === null) {
    throw new TypeError('guardRetriever(): options.content must be an object');
  }
  if (content.fetch !== undefined && typeof content.fetch !== 'function') {
    throw new TypeError('guardRetriever(): options.content.fetch must be a function');
  }
  const { fetch, ...rest } = content;
  const settings: ContentGuardOptions = {
    ...rest,
    name: options.name,
    screener: rest.screener ?? createScreener(),
    redactor: rest.redactor ?? createRedactor(),
    sessions: enforcement.sessions,
  };
  // Checks the options now, not at the first query.
  guardContent(async () => [], settings);
  return async (query, config, context) => {
    const guarded = guardContent<DocumentInterface>(
      async (text, request) => (fetch ? fetch(text, request, config) : retriever.invoke(text, config)),
      settings,
    );
    const retrieval = await guarded.retrieve(query, {
      principal: context.principal,
      sessionId: context.request.context.sessionId,
    });
    return [...retrieval.documents];
  };
}
