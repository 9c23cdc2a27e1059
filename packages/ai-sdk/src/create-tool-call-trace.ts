import type { LanguageModelMiddleware } from 'ai';
import type { ModelStreamPart } from './palisade-model-middleware.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');
type TraceContext = ReturnType<OpenTelemetryApi['context']['active']>;

/** Most tool calls whose trace context is kept at once; beyond it the oldest is dropped. */
const MAX_CALLS = 4096;

/** Links each tool call to the trace of the model call that proposed it. */
export interface ToolCallTrace {
  /**
   * The language-model middleware (for `wrapLanguageModel`) that notes, for every tool call the
   * model proposes, the trace context the model call ran in (the AI SDK's model-call span).
   */
  readonly middleware: LanguageModelMiddleware;
  /**
   * Runs `fn` in the trace context of the model call that proposed `toolCallId`, or as it is when
   * that call is unknown (or `@opentelemetry/api` is not installed).
   */
  run<T>(toolCallId: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Creates the link that puts what `toolApproval` records (denials, proposals) in the same trace as
 * the call it decides. The AI SDK asks `toolApproval` outside its own spans; with this middleware on
 * the model and the trace passed to `guardedToolSettings` (or `createToolApproval`), Palisade's span
 * of a denied call is a child of the AI SDK's model-call span of the step that proposed it.
 *
 * Uses `@opentelemetry/api` when the application has it installed (an optional peer), and does
 * nothing otherwise; it changes what traces show, never what is decided.
 *
 * @example
 * ```ts
 * const trace = createToolCallTrace();
 * const model = wrapLanguageModel({ model: openai('gpt-5'), middleware: trace.middleware });
 * const settings = guardedToolSettings(tools, palisade, { trace });
 * await generateText({ model, ...settings, prompt });
 * ```
 */
export function createToolCallTrace(): ToolCallTrace {
  let loading: Promise<OpenTelemetryApi | undefined> | undefined;
  const load = () => {
    loading ??= import('@opentelemetry/api').then(
      (api) => api,
      () => undefined,
    );
    return loading;
  };
  const contexts = new Map<string, TraceContext>();

  function remember(toolCallId: string, context: TraceContext): void {
    contexts.delete(toolCallId);
    if (contexts.size >= MAX_CALLS) contexts.delete(contexts.keys().next().value as string);
    contexts.set(toolCallId, context);
  }

  const middleware: LanguageModelMiddleware = {
    specificationVersion: 'v4',
    async wrapGenerate({ doGenerate }) {
      const api = await load();
      const active = api?.context.active();
      const result = await doGenerate();
      if (active !== undefined) {
        for (const part of result.content) if (part.type === 'tool-call') remember(part.toolCallId, active);
      }
      return result;
    },
    async wrapStream({ doStream }) {
      const api = await load();
      const active = api?.context.active();
      const result = await doStream();
      if (active === undefined) return result;
      const note = new TransformStream<ModelStreamPart, ModelStreamPart>({
        transform(part, controller) {
          if (part.type === 'tool-call') remember(part.toolCallId, active);
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(note) };
    },
  };

  return {
    middleware,
    async run(toolCallId, fn) {
      const context = contexts.get(toolCallId);
      if (context === undefined) return fn();
      contexts.delete(toolCallId);
      const api = await load();
      return api ? api.context.with(context, fn) : fn();
    },
  };
}
