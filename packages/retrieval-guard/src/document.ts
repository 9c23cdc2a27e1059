/**
 * A retrieved document, shaped like LangChain's `Document` (`pageContent`, `metadata`, `id`) so that
 * framework documents pass through the guard unchanged.
 */
export interface RetrievedDocument {
  pageContent: string;
  metadata: Record<string, unknown>;
  id?: string | undefined;
}
