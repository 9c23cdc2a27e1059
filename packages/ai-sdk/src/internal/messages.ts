import type { ModelMessage, ToolApprovalRequest } from 'ai';

/**
 * The text of every user message in `messages`, in order: what the user actually typed, as opposed
 * to tool results or retrieved content, for provenance checks on arguments.
 */
export function userTextsOf(messages: readonly ModelMessage[] | undefined): string[] {
  const texts: string[] = [];
  for (const message of messages ?? []) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') {
      texts.push(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') texts.push(part.text);
    }
  }
  return texts;
}

/**
 * The latest approval request a human was asked to answer (not an automatic one) for the tool call
 * `toolCallId`, if the history holds one.
 */
export function humanApprovalRequestFor(
  messages: readonly ModelMessage[] | undefined,
  toolCallId: string,
): ToolApprovalRequest | undefined {
  let found: ToolApprovalRequest | undefined;
  for (const message of messages ?? []) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (
        part.type === 'tool-approval-request' &&
        part.toolCallId === toolCallId &&
        part.isAutomatic !== true
      ) {
        found = part;
      }
    }
  }
  return found;
}

/** Finds the approval request part with the AI SDK approval id `approvalId`. */
export function approvalRequestById(
  messages: readonly ModelMessage[],
  approvalId: string,
): ToolApprovalRequest | undefined {
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-approval-request' && part.approvalId === approvalId) return part;
    }
  }
  return undefined;
}

/** The tool call part with id `toolCallId` in the assistant messages, if any. */
export function toolCallById(
  messages: readonly ModelMessage[],
  toolCallId: string,
): { toolName: string; input: unknown; providerExecuted?: boolean | undefined } | undefined {
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call' && part.toolCallId === toolCallId) return part;
    }
  }
  return undefined;
}
