import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The `_meta` key under which Palisade reads and writes its fields on MCP messages. */
export const PALISADE_META_KEY = 'palisade';

/** A guarded server refused the call; the tool did not run. */
export interface DeniedMeta {
  readonly outcome: 'denied';
  /** The stable error code (`ERR_ACCESS_DENIED`, `ERR_APPROVAL_DENIED`, `ERR_CREDENTIAL_INVALID`, ...). */
  readonly code: string;
  readonly reason: string;
  readonly callId?: string | undefined;
}

/** A guarded server paused the call until a reviewer decides; retry with `withApprovalId()`. */
export interface ApprovalRequiredMeta {
  readonly outcome: 'approval-required';
  readonly code: 'ERR_APPROVAL_REQUIRED';
  readonly approvalId: string;
  /** Epoch milliseconds after which the request can no longer be approved. */
  readonly expiresAt: number;
  readonly callId: string;
}

/** What a guarded server says, in `result._meta.palisade`, about a call it did not run. */
export type PalisadeResultMeta = DeniedMeta | ApprovalRequiredMeta;

/**
 * Reads what a guarded server said about a tool call, or `undefined` when the result carries nothing
 * from Palisade (the tool ran, or the server is not guarded).
 *
 * @example
 * ```ts
 * const result = await client.callTool({ name: 'refund', arguments: { amount: 900 } });
 * const meta = readPalisadeMeta(result);
 * if (meta?.outcome === 'approval-required') {
 *   // ... a reviewer decides on meta.approvalId ...
 *   await client.callTool(withApprovalId({ name: 'refund', arguments: { amount: 900 } }, meta.approvalId));
 * }
 * ```
 */
export function readPalisadeMeta(
  result: Pick<CallToolResult, '_meta'> | undefined,
): PalisadeResultMeta | undefined {
  const meta = result?._meta?.[PALISADE_META_KEY];
  if (typeof meta !== 'object' || meta === null) return undefined;
  const fields = meta as Record<string, unknown>;
  if (fields.outcome === 'denied' && typeof fields.code === 'string' && typeof fields.reason === 'string') {
    return {
      outcome: 'denied',
      code: fields.code,
      reason: fields.reason,
      callId: typeof fields.callId === 'string' ? fields.callId : undefined,
    };
  }
  if (
    fields.outcome === 'approval-required' &&
    typeof fields.approvalId === 'string' &&
    typeof fields.expiresAt === 'number' &&
    typeof fields.callId === 'string'
  ) {
    return {
      outcome: 'approval-required',
      code: 'ERR_APPROVAL_REQUIRED',
      approvalId: fields.approvalId,
      expiresAt: fields.expiresAt,
      callId: fields.callId,
    };
  }
  return undefined;
}

/**
 * Returns a copy of tool call parameters that resumes a call paused for approval: the approval id
 * travels in `_meta.palisade.approvalId`, and the guard re-checks it against the actual call.
 *
 * @example
 * ```ts
 * await client.callTool(withApprovalId({ name: 'refund', arguments: { amount: 900 } }, approvalId));
 * ```
 */
export function withApprovalId<Params extends CallToolRequest['params']>(
  params: Params,
  approvalId: string,
): Params {
  if (typeof approvalId !== 'string' || approvalId === '') {
    throw new TypeError('withApprovalId(): approvalId must be a non-empty string');
  }
  const existing = params._meta?.[PALISADE_META_KEY];
  const palisade = typeof existing === 'object' && existing !== null ? existing : {};
  return { ...params, _meta: { ...params._meta, [PALISADE_META_KEY]: { ...palisade, approvalId } } };
}
