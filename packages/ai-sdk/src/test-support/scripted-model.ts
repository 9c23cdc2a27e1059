import { MockLanguageModelV4 } from 'ai/test';

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
 * A `MockLanguageModelV4` that plays `turns` in order, one per model call, and then answers with
 * a closing text. `prompts` holds every prompt it received.
 */
export function scriptedModel(turns: readonly ScriptedTurn[]) {
  let next = 0;
  const model = new MockLanguageModelV4({
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
