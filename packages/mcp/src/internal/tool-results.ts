import { type CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AccessDeniedError, type ApprovalRequiredError, GuardFaultError } from '@palisade/core';
import {
  type ApprovalRequiredMeta,
  type DeniedMeta,
  PALISADE_META_KEY,
  type PalisadeResultMeta,
} from '../palisade-meta.js';

/** Reads the approval id a caller sent in request `_meta`, if any. */
export function approvalIdOf(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const palisade = meta?.[PALISADE_META_KEY];
  if (typeof palisade !== 'object' || palisade === null) return undefined;
  const approvalId = (palisade as Record<string, unknown>).approvalId;
  return typeof approvalId === 'string' && approvalId !== '' ? approvalId : undefined;
}

/**
 * The tool result for a call the guard refused. MCP reports tool-level failures as results with
 * `isError: true` so the model can read them; the reason goes in the text and the details in
 * `_meta.palisade`.
 */
export function deniedResult(error: AccessDeniedError): CallToolResult {
  const meta = deniedMeta(error);
  return {
    isError: true,
    content: [{ type: 'text', text: meta.reason }],
    _meta: { [PALISADE_META_KEY]: meta },
  };
}

/** What Palisade tells a caller about a refused call; a fault names its stage, never its cause. */
export function deniedMeta(error: AccessDeniedError): DeniedMeta {
  // A fault's message carries the internal error's text; the remote caller learns only the stage.
  const reason = GuardFaultError.isInstance(error)
    ? `Denied "${error.tool ?? 'tool'}": an internal check failed at the ${error.stage} stage`
    : error.message;
  return { outcome: 'denied', code: error.code, reason, callId: error.callId };
}

/** The tool result for a call paused until a reviewer decides; it carries the approval id to resume with. */
export function approvalRequiredResult(error: ApprovalRequiredError): CallToolResult {
  const text =
    `${error.message}. The call did not run; once a reviewer approves, call the tool again with ` +
    `_meta.${PALISADE_META_KEY}.approvalId = "${error.approvalId}".`;
  return {
    isError: true,
    content: [{ type: 'text', text }],
    _meta: { [PALISADE_META_KEY]: approvalRequiredMeta(error) },
  };
}

/** What Palisade tells a caller about a call paused until a reviewer decides. */
export function approvalRequiredMeta(error: ApprovalRequiredError): ApprovalRequiredMeta {
  return {
    outcome: 'approval-required',
    code: 'ERR_APPROVAL_REQUIRED',
    approvalId: error.approvalId,
    expiresAt: error.expiresAt,
    callId: error.callId,
  };
}

/**
 * The protocol error a refused resource read or prompt request is answered with: their results
 * have no `isError`, so the refusal is a JSON-RPC error (`InvalidRequest`) whose message is the
 * reason and whose `data.palisade` holds what a tool result's `_meta.palisade` would.
 */
export function refusalError(meta: PalisadeResultMeta): McpError {
  const message =
    meta.outcome === 'denied'
      ? meta.reason
      : `Approval required (Palisade approval ${meta.approvalId}); request again with _meta.${PALISADE_META_KEY}.approvalId once a reviewer approves`;
  return new McpError(ErrorCode.InvalidRequest, message, { [PALISADE_META_KEY]: meta });
}

/** True for an error the guard raised on purpose to stop a call. */
export function isDenial(error: unknown): error is AccessDeniedError {
  return AccessDeniedError.isInstance(error);
}
