import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { palisadeModelMiddleware } from './palisade-model-middleware.js';

const USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

function echoModel() {
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => ({
      content: [
        {
          type: 'text',
          text: `model saw: ${JSON.stringify(prompt.at(-1)?.content)}; card 4111 1111 1111 1111`,
        },
      ],
      finishReason: { unified: 'stop', raw: undefined },
      usage: USAGE,
      warnings: [],
    }),
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          controller.enqueue({ type: 'text-start', id: 't' });
          controller.enqueue({ type: 'text-delta', id: 't', delta: 'card 4111 1111 1111 1111' });
          controller.enqueue({ type: 'text-delta', id: 't', delta: ' ok' });
          controller.enqueue({ type: 'text-end', id: 't' });
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'stop', raw: undefined },
            usage: USAGE,
          });
          controller.close();
        },
      }),
    }),
  });
}

const CARD = /\b(?:\d{4} ){3}\d{4}\b/g;

describe('palisadeModelMiddleware', () => {
  it('screens the prompt before the model sees it', async () => {
    const model = wrapLanguageModel({
      model: echoModel(),
      middleware: palisadeModelMiddleware({
        screenPrompt: (prompt) =>
          prompt.map((message) =>
            message.role === 'user'
              ? {
                  ...message,
                  content: message.content.map((part) =>
                    part.type === 'text'
                      ? { ...part, text: part.text.replace(/secret-\w+/g, '[redacted]') }
                      : part,
                  ),
                }
              : message,
          ),
      }),
    });
    const result = await generateText({ model, prompt: 'my key is secret-abc123' });
    expect(result.text).toContain('my key is [redacted]');
    expect(result.text).not.toContain('secret-abc123');
  });

  it('screens generated content and streamed parts', async () => {
    const middleware = palisadeModelMiddleware({
      screenContent: (content) =>
        content.map((part) =>
          part.type === 'text' ? { ...part, text: part.text.replace(CARD, '[card]') } : part,
        ),
      screenStreamPart: (part) =>
        part.type === 'text-delta' ? { ...part, delta: part.delta.replace(CARD, '[card]') } : part,
    });
    const generated = await generateText({
      model: wrapLanguageModel({ model: echoModel(), middleware }),
      prompt: 'hi',
    });
    expect(generated.text).toMatch(/; card \[card\]$/);

    const streamed = streamText({
      model: wrapLanguageModel({ model: echoModel(), middleware }),
      prompt: 'hi',
    });
    expect(await streamed.text).toBe('card [card] ok');
  });

  it('drops stream parts the screen removes, and fails the call when a screen throws', async () => {
    const dropping = palisadeModelMiddleware({
      screenStreamPart: (part) => (part.type === 'text-delta' && part.delta === ' ok' ? undefined : part),
    });
    const streamed = streamText({
      model: wrapLanguageModel({ model: echoModel(), middleware: dropping }),
      prompt: 'hi',
    });
    expect(await streamed.text).toBe('card 4111 1111 1111 1111');

    const failing = palisadeModelMiddleware({
      screenPrompt: () => {
        throw new Error('injection detected');
      },
    });
    await expect(
      generateText({
        model: wrapLanguageModel({ model: echoModel(), middleware: failing }),
        prompt: 'x',
        maxRetries: 0,
      }),
    ).rejects.toThrow('injection detected');
  });

  it('refuses to be created without a hook, or with a hook that is not a function', () => {
    expect(() => palisadeModelMiddleware({})).toThrow(/at least one/);
    expect(() => palisadeModelMiddleware({ screenPrompt: 'redact' as never })).toThrow(
      /screenPrompt must be a function/,
    );
  });
});
