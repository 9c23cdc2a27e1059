import type { Attributes, Tracer } from '@opentelemetry/api';

/** `SpanStatusCode.ERROR` of `@opentelemetry/api`, inlined so the API stays an optional, type-only peer. */
const STATUS_ERROR = 2;

/** Attribute names of identity spans. */
export const IDENTITY_ATTRIBUTES = Object.freeze({
  agentId: 'gen_ai.agent.id',
  userId: 'user.id',
  tokenId: 'palisade.token.id',
  expiresAt: 'palisade.token.expires_at',
  keyId: 'palisade.token.kid',
  scopes: 'palisade.token.scopes',
  task: 'palisade.task.id',
  depth: 'palisade.delegation.depth',
  parentTokenId: 'palisade.delegation.parent_token_id',
  revocationKind: 'palisade.revocation.kind',
  revocationValue: 'palisade.revocation.value',
  errorType: 'error.type',
});

/** The part of a span the identity code writes to. */
export interface SpanHandle {
  setAttributes(attributes: Attributes): unknown;
}

const NO_SPAN: SpanHandle = { setAttributes: () => undefined };

/**
 * Runs `body` inside a span when a tracer is configured; the span ends with an error status when
 * `body` throws. Without a tracer, `body` runs with a handle that records nothing.
 */
export async function inSpan<T>(
  tracer: Tracer | undefined,
  name: string,
  attributes: Attributes,
  body: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  if (!tracer) return body(NO_SPAN);
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await body(span);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      span.setAttribute(IDENTITY_ATTRIBUTES.errorType, typeof code === 'string' ? code : 'Error');
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
