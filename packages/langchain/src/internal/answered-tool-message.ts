import { ToolMessage } from '@langchain/core/messages';
import type { AccessDeniedError } from '@palisade/core';
import { denialArtifact } from './denial.js';

/**
 * The `ToolMessage` a call answers with when a reviewer responded instead of letting it run: the
 * reviewer's message is the tool's result; `artifact.palisade` says that nothing ran.
 */
export function answeredToolMessage(
  content: string,
  error: AccessDeniedError,
  toolCall: { readonly id?: string | undefined; readonly name: string },
): ToolMessage {
  return new ToolMessage({
    content,
    tool_call_id: toolCall.id ?? '',
    name: toolCall.name,
    status: 'success',
    artifact: { palisade: { ...denialArtifact(error), answeredBy: 'reviewer' } },
  });
}
