import { ContentBlockedError, type OutputGuard, type Redactor } from '@palisade/retrieval-guard';
import type { LanguageModelMiddleware } from 'ai';
import type { ModelContent, ModelPrompt, ModelStreamPart } from './palisade-model-middleware.js';

/** Options of `contentGuardMiddleware`. */
export interface ContentGuardMiddlewareOptions {
  /**
   * Redacts the prompt before the model receives it: every text of every message (system, user,
   * assistant, tool results and tool-call arguments), not only the newest. A `Redactor` from
   * `createRedactor()` of `@palisade/retrieval-guard`.
   */
  readonly redactor?: Redactor | undefined;
  /**
   * Output DLP on what the model returns before the AI SDK acts on it: text and reasoning are
   * redacted (or blocked), tool-call arguments checked (a secret on its way into a tool blocks the
   * call), canaries block. Streamed text and reasoning pass through the guard's holdback buffer, so a
   * secret split across chunks is caught whole and no fragment of it is emitted first. An
   * `OutputGuard` from `createOutputGuard()` of `@palisade/retrieval-guard`.
   */
  readonly output?: OutputGuard | undefined;
}

/** Keys of prompt parts that are structure, not content: never rewritten. */
const STRUCTURE = new Set([
  'type',
  'role',
  'toolCallId',
  'toolName',
  'mediaType',
  'filename',
  'data',
  'providerOptions',
  'approvalId',
  'id',
]);

/**
 * A language-model middleware (for `wrapLanguageModel`) that puts Palisade's content layer around
 * every model call: the prompt is redacted before it leaves, and what the model writes passes output
 * DLP before the AI SDK acts on it or streams it to a client. A blocked output fails the call (or
 * errors the stream) with the guard's `ContentBlockedError`; a failing detector fails closed.
 *
 * Streamed tool-call argument fragments (`tool-input-delta`) are withheld: the complete call is
 * checked and passed on as its `tool-call` part.
 *
 * @example
 * ```ts
 * import { createOutputGuard, createRedactor } from '@palisade/retrieval-guard';
 *
 * const model = wrapLanguageModel({
 *   model: openai('gpt-5'),
 *   middleware: contentGuardMiddleware({
 *     redactor: createRedactor(),
 *     output: createOutputGuard({ canaries: [canary] }),
 *   }),
 * });
 * ```
 * @see palisadeModelMiddleware for hooks of your own
 */
export function contentGuardMiddleware(options: ContentGuardMiddlewareOptions): LanguageModelMiddleware {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('contentGuardMiddleware(): options must be an object');
  }
  const { redactor, output } = options;
  if (redactor !== undefined && typeof redactor?.redact !== 'function') {
    throw new TypeError('contentGuardMiddleware(): options.redactor must be a Redactor (createRedactor())');
  }
  if (
    output !== undefined &&
    (typeof output?.checkText !== 'function' ||
      typeof output.checkToolCall !== 'function' ||
      typeof output.createStream !== 'function')
  ) {
    throw new TypeError(
      'contentGuardMiddleware(): options.output must be an OutputGuard (createOutputGuard())',
    );
  }
  if (!redactor && !output) {
    throw new TypeError('contentGuardMiddleware(): give options.redactor, options.output or both');
  }

  const middleware: LanguageModelMiddleware = { specificationVersion: 'v4' };
  if (redactor) {
    middleware.transformParams = async ({ params }) => ({
      ...params,
      prompt: (await redactStrings(params.prompt, redactor)) as ModelPrompt,
    });
  }
  if (output) {
    middleware.wrapGenerate = async ({ doGenerate }) => {
      const result = await doGenerate();
      return { ...result, content: await checkContent(result.content, output) };
    };
    middleware.wrapStream = async ({ doStream }) => {
      const result = await doStream();
      return { ...result, stream: result.stream.pipeThrough(outputStream(output)) };
    };
  }
  return middleware;
}

/** Redacts every string in the prompt except the structural fields. */
async function redactStrings(value: unknown, redactor: Redactor, depth = 0): Promise<unknown> {
  if (depth > 32) throw new TypeError('The prompt is nested too deeply to redact');
  if (typeof value === 'string') return (await redactor.redact(value)).text;
  if (Array.isArray(value)) return Promise.all(value.map((item) => redactStrings(item, redactor, depth + 1)));
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof URL) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = STRUCTURE.has(key) ? item : await redactStrings(item, redactor, depth + 1);
  }
  return copy;
}

/** Output DLP on the content of a non-streaming call; throws `ContentBlockedError` on a block. */
async function checkContent(content: ModelContent, output: OutputGuard): Promise<ModelContent> {
  const checked: ModelContent = [];
  for (const part of content) {
    if (part.type === 'text' || part.type === 'reasoning') {
      checked.push({ ...part, text: await checkedText(part.text, output) });
    } else if (part.type === 'tool-call') {
      checked.push({ ...part, input: await checkedToolInput(part.toolName, part.input, output) });
    } else {
      checked.push(part);
    }
  }
  return checked;
}

async function checkedText(text: string, output: OutputGuard): Promise<string> {
  const result = await output.checkText(text);
  if (result.blocked) {
    throw new ContentBlockedError(`model output blocked by output DLP (${result.reasons.join(', ')})`, {
      reasons: result.reasons,
      rules: [...new Set(result.findings.map((finding) => finding.rule))],
    });
  }
  return result.text;
}

/** Checks a tool call's JSON arguments; a call whose arguments are not JSON is checked as text. */
async function checkedToolInput(toolName: string, input: string, output: OutputGuard): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return (await output.checkToolCall({ name: toolName, arguments: input })).arguments;
  }
  return JSON.stringify((await output.checkToolCall({ name: toolName, arguments: parsed })).arguments);
}

/** One text or reasoning block of a stream, going through its own holdback buffer. */
interface HeldBlock {
  readonly writer: WritableStreamDefaultWriter<string>;
  readonly drained: Promise<void>;
}

/**
 * Output DLP on a stream: each text or reasoning block goes through the guard's holdback stream,
 * its deltas re-emitted under the block's id once checked; the block's end waits until all of its
 * text is out. Tool calls are checked whole; their streamed argument fragments are withheld.
 */
function outputStream(output: OutputGuard): TransformStream<ModelStreamPart, ModelStreamPart> {
  const blocks = new Map<string, HeldBlock>();
  let failure: unknown;

  function open(
    id: string,
    kind: 'text-delta' | 'reasoning-delta',
    controller: TransformStreamDefaultController<ModelStreamPart>,
  ): HeldBlock {
    const dlp = output.createStream();
    const reader = dlp.readable.getReader();
    const drained = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (value !== '') controller.enqueue({ type: kind, id, delta: value } as ModelStreamPart);
      }
    })().catch((error: unknown) => {
      failure ??= error;
    });
    const writer = dlp.writable.getWriter();
    // The failure is read from the readable side; this only keeps it from going unhandled.
    writer.closed.catch(() => {});
    const block = { writer, drained };
    blocks.set(`${kind}:${id}`, block);
    return block;
  }

  async function close(key: string): Promise<void> {
    const block = blocks.get(key);
    if (!block) return;
    blocks.delete(key);
    await block.writer.close().catch((error: unknown) => {
      failure ??= error;
    });
    await block.drained;
  }

  function throwIfFailed(): void {
    if (failure !== undefined) throw failure;
  }

  return new TransformStream<ModelStreamPart, ModelStreamPart>({
    async transform(part, controller) {
      throwIfFailed();
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta': {
          const key = `${part.type}:${part.id}`;
          const block = blocks.get(key) ?? open(part.id, part.type, controller);
          await block.writer.write(part.delta).catch((error: unknown) => {
            failure ??= error;
          });
          break;
        }
        case 'text-end':
          await close(`text-delta:${part.id}`);
          throwIfFailed();
          controller.enqueue(part);
          break;
        case 'reasoning-end':
          await close(`reasoning-delta:${part.id}`);
          throwIfFailed();
          controller.enqueue(part);
          break;
        case 'tool-input-delta':
          break;
        case 'tool-call':
          controller.enqueue({ ...part, input: await checkedToolInput(part.toolName, part.input, output) });
          break;
        default:
          controller.enqueue(part);
      }
    },
    async flush() {
      for (const key of [...blocks.keys()]) await close(key);
      throwIfFailed();
    },
  });
}
