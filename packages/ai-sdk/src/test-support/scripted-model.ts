import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';

/** One model turn: tool calls to make, or a final text. */
export type ScriptedTurn =
  | {
      readonly toolCalls: ReadonlyArray<{
        readonly id: string;
        readonly name: string;
        readonly input: unknown;
      }>;
    }
  | { readonly text: string };

const USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/**
 * A `MockLanguageModelV4` that plays `turns` in order, one per model call (generated or streamed),
 * and then answers with a closing text.
 */
export function scriptedModel(turns: readonly ScriptedTurn[]) {
  let next = 0;
  const model = new MockLanguageModelV4({
    doStream: async () => {
      const turn = turns[next++] ?? { text: 'Done.' };
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      if ('text' in turn) {
        parts.push(
          { type: 'text-start', id: 'text-1' },
          { type: 'text-delta', id: 'text-1', delta: turn.text },
          { type: 'text-end', id: 'text-1' },
        );
      } else {
        for (const call of turn.toolCalls) {
          parts.push({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.name,
            input: JSON.stringify(call.input),
          });
        }
      }
      parts.push({
        type: 'finish',
        finishReason: { unified: 'text' in turn ? 'stop' : 'tool-calls', raw: undefined },
        usage: USAGE,
      });
      return { stream: convertArrayToReadableStream(parts) };
    },
    doGenerate: async () => {
      const turn = turns[next++] ?? { text: 'Done.' };
      if ('text' in turn) {
        return {
          content: [{ type: 'text', text: turn.text }],
          finishReason: { unified: 'stop', raw: undefined },
          usage: USAGE,
          warnings: [],
        };
      }
      return {
        content: turn.toolCalls.map((call) => ({
          type: 'tool-call' as const,
          toolCallId: call.id,
          toolName: call.name,
          input: JSON.stringify(call.input),
        })),
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage: USAGE,
        warnings: [],
      };
    },
  });
  return model;
}
