import { ToolMessage } from '@langchain/core/messages';
import type { AccessDeniedError } from '@palisade/core';
import { denialArtifact, describeDenial } from './denial.js';

/**
 * The `ToolMessage` a refused call answers with: `status: "error"`, the reason as content (what the
 * model reads, so it can continue), and the structured facts under `artifact.palisade`.
 */
export function deniedToolMessage(
  error: AccessDeniedError,
  toolCall: { readonly id?: string | undefined; readonly name: string },
): ToolMessage {
  return new ToolMessage({
    content: describeDenial(error),
    tool_call_id: toolCall.id ?? '',
    name: toolCall.name,
    status: 'error',
    artifact: { palisade: denialArtifact(error) },
  });
}
