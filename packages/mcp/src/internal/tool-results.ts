import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AccessDeniedError, type ApprovalRequiredError, GuardFaultError } from '@palisade/core';
import { type ApprovalRequiredMeta, type DeniedMeta, PALISADE_META_KEY } from '../palisade-meta.js';

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
  // A fault's message carries the internal error's text; the remote caller learns only the stage.
  const reason = GuardFaultError.isInstance(error)
    ? `Denied "${error.tool ?? 'tool'}": an internal check failed at the ${error.stage} stage`
    : error.message;
  const meta: DeniedMeta = { outcome: 'denied', code: error.code, reason, callId: error.callId };
  return { isError: true, content: [{ type: 'text', text: reason }], _meta: { [PALISADE_META_KEY]: meta } };
}

/** The tool result for a call paused until a reviewer decides; it carries the approval id to resume with. */
export function approvalRequiredResult(error: ApprovalRequiredError): CallToolResult {
  const meta: ApprovalRequiredMeta = {
    outcome: 'approval-required',
    code: 'ERR_APPROVAL_REQUIRED',
    approvalId: error.approvalId,
    expiresAt: error.expiresAt,
    callId: error.callId,
  };
  const text =
    `${error.message}. The call did not run; once a reviewer approves, call the tool again with ` +
    `_meta.${PALISADE_META_KEY}.approvalId = "${error.approvalId}".`;
  return { isError: true, content: [{ type: 'text', text }], _meta: { [PALISADE_META_KEY]: meta } };
}

/** True for an error the guard raised on purpose to stop a call. */
export function isDenial(error: unknown): error is AccessDeniedError {
  return AccessDeniedError.isInstance(error);
}
