import type { LanguageModelMiddleware } from 'ai';

type TransformParams = NonNullable<LanguageModelMiddleware['transformParams']>;
type CallParams = Parameters<TransformParams>[0]['params'];
type GenerateResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapGenerate']>>>;
type StreamResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapStream']>>>;

/** The prompt a language model is about to receive. */
export type ModelPrompt = CallParams['prompt'];
/** The content a language model generated in one call. */
export type ModelContent = GenerateResult['content'];
/** One part of a language model's stream. */
export type ModelStreamPart = StreamResult['stream'] extends ReadableStream<infer PART> ? PART : never;

/** Options of `palisadeModelMiddleware`: the screening hooks to run. */
export interface PalisadeModelMiddlewareOptions {
  /**
   * Screens (and may rewrite) the prompt before every model call, e.g. to redact secrets or to drop
   * content flagged as an injection. Throwing stops the call.
   */
  readonly screenPrompt?: ((prompt: ModelPrompt) => ModelPrompt | Promise<ModelPrompt>) | undefined;
  /** Screens (and may rewrite) the content of a non-streaming call. Throwing fails the call. */
  readonly screenContent?: ((content: ModelContent) => ModelContent | Promise<ModelContent>) | undefined;
  /**
   * Screens each part of a streaming call; return the part (possibly rewritten), or `undefined` to
   * drop it. Throwing errors the stream.
   */
  readonly screenStreamPart?:
    | ((part: ModelStreamPart) => ModelStreamPart | undefined | Promise<ModelStreamPart | undefined>)
    | undefined;
}

/**
 * A language model middleware (for `wrapLanguageModel`) where input and output screening plug in:
 * the prompt before it reaches the model, and the content (or stream) the model returns before the
 * AI SDK acts on it, tool calls included. It runs the hooks it is given and nothing else; a hook
 * that throws fails the model call, so screening never silently turns itself off.
 *
 * @example
 * ```ts
 * const model = wrapLanguageModel({
 *   model: openai('gpt-5'),
 *   middleware: palisadeModelMiddleware({ screenPrompt: (prompt) => redactSecrets(prompt) }),
 * });
 * ```
 */
export function palisadeModelMiddleware(options: PalisadeModelMiddlewareOptions): LanguageModelMiddleware {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('palisadeModelMiddleware(): options must be an object');
  }
  const { screenPrompt, screenContent, screenStreamPart } = options;
  for (const [key, hook] of Object.entries({ screenPrompt, screenContent, screenStreamPart })) {
    if (hook !== undefined && typeof hook !== 'function') {
      throw new TypeError(`palisadeModelMiddleware(): options.${key} must be a function`);
    }
  }
  if (!screenPrompt && !screenContent && !screenStreamPart) {
    throw new TypeError(
      'palisadeModelMiddleware(): give at least one of screenPrompt, screenContent, screenStreamPart',
    );
  }

  const middleware: LanguageModelMiddleware = { specificationVersion: 'v4' };
  if (screenPrompt) {
    middleware.transformParams = async ({ params }) => ({
      ...params,
      prompt: await screenPrompt(params.prompt),
    });
  }
  if (screenContent) {
    middleware.wrapGenerate = async ({ doGenerate }) => {
      const result = await doGenerate();
      return { ...result, content: await screenContent(result.content) };
    };
  }
  if (screenStreamPart) {
    middleware.wrapStream = async ({ doStream }) => {
      const result = await doStream();
      const screen = new TransformStream<ModelStreamPart, ModelStreamPart>({
        async transform(part, controller) {
          const screened = await screenStreamPart(part);
          if (screened !== undefined) controller.enqueue(screened);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(screen) };
    };
  }
  return middleware;
}
