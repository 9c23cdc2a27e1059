import { parseCallbackConfigArg } from '@langchain/core/callbacks/manager';
import type { ToolCall } from '@langchain/core/messages/tool';
import { StructuredTool, type ToolRunnableConfig } from '@langchain/core/tools';
import { GUARDED_TOOL } from './guarded-marker.js';

/** Runs one invocation of a guarded tool: the arguments, the config, and the tool call if any. */
export type GuardedInvocation = (
  args: unknown,
  config: ToolRunnableConfig,
  toolCall: ToolCall | undefined,
) => Promise<unknown>;

/** The fields a guarded tool keeps from the tool it wraps. */
export interface GuardedToolFields {
  readonly name: string;
  readonly description: string;
  readonly schema: unknown;
  readonly returnDirect: boolean;
  readonly responseFormat: StructuredTool['responseFormat'];
  readonly verboseParsingErrors: boolean;
  readonly metadata: Record<string, unknown> | undefined;
  readonly tags: string[] | undefined;
  readonly extras: Record<string, unknown> | undefined;
}

/**
 * A LangChain tool whose every invocation goes through Palisade.
 *
 * LangChain's extension point for tools is subclassing `StructuredTool`, so this is a class: it
 * overrides `call`, which `invoke`, `batch` and `stream` all reach, and never runs `_call`. It does
 * not parse the input itself: the guard validates it, and the wrapped tool parses it as it always
 * did when it finally runs.
 */
export class GuardedStructuredTool extends StructuredTool {
  name: string;
  description: string;
  // The wrapped tool's schema, whatever its kind, so models are bound to the same definition.
  schema: StructuredTool['schema'];
  readonly [GUARDED_TOOL] = true;
  readonly #invocation: GuardedInvocation;

  constructor(fields: GuardedToolFields, invocation: GuardedInvocation) {
    super({
      verboseParsingErrors: fields.verboseParsingErrors,
      ...(fields.responseFormat === undefined ? {} : { responseFormat: fields.responseFormat }),
      ...(fields.metadata === undefined ? {} : { metadata: fields.metadata }),
      ...(fields.tags === undefined ? {} : { tags: fields.tags }),
      ...(fields.extras === undefined ? {} : { extras: fields.extras }),
    });
    this.name = fields.name;
    this.description = fields.description;
    this.schema = fields.schema as StructuredTool['schema'];
    this.returnDirect = fields.returnDirect;
    this.#invocation = invocation;
  }

  // biome-ignore lint/suspicious/noExplicitAny: matches the generic signature of StructuredTool.call.
  override async call(arg: unknown, configArg?: unknown): Promise<any> {
    const config = parseCallbackConfigArg(
      configArg as Parameters<typeof parseCallbackConfigArg>[0],
    ) as ToolRunnableConfig;
    const toolCall = isToolCall(arg) ? arg : config.toolCall;
    const args = isToolCall(arg) ? arg.args : arg;
    return this.#invocation(args, config, toolCall);
  }

  protected override _call(): Promise<never> {
    // `call` is overridden and never delegates here.
    return Promise.reject(new Error(`"${this.name}" is guarded; its body runs only through call()`));
  }
}

function isToolCall(value: unknown): value is ToolCall {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'tool_call' &&
    'args' in value
  );
}
