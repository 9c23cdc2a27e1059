import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import type { RunnableConfig } from '@langchain/core/runnables';

/** Runs one retrieval through the guard. */
export type GuardedRetrieval = (
  query: string,
  config: RunnableConfig | undefined,
) => Promise<DocumentInterface[]>;

/**
 * A retriever whose every query goes through Palisade. LangChain's extension point for retrievers
 * is subclassing `BaseRetriever`; this subclass overrides `invoke` (which `batch` and `stream`
 * reach) so that it sees the run's config, where the call context lives.
 */
export class GuardedRetriever extends BaseRetriever {
  lc_namespace = ['palisade', 'retrievers'];
  readonly #retrieval: GuardedRetrieval;

  constructor(retrieval: GuardedRetrieval, name: string) {
    super();
    this.name = name;
    this.#retrieval = retrieval;
  }

  override invoke(input: string, options?: RunnableConfig): Promise<DocumentInterface[]> {
    return this.#retrieval(input, options);
  }

  override _getRelevantDocuments(): Promise<DocumentInterface[]> {
    // `invoke` is overridden and never delegates here.
    return Promise.reject(new Error(`Retriever "${this.name}" is guarded; query it through invoke()`));
  }
}
