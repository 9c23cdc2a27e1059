import { AIMessage, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import { isCommand } from '@langchain/langgraph';
import type { Enforcement } from '@palisade/core';
import {
  createOutputGuard,
  createRedactor,
  createScreener,
  type OutputGuard,
  type Redactor,
  type Screener,
  spotlight,
} from '@palisade/retrieval-guard';
import { type AgentMiddleware, createMiddleware } from 'langchain';
import { type ContextResolver, readCallContext } from './read-call-context.js';

/** Options of `contentMiddleware`. */
export interface ContentMiddlewareOptions {
  /** Screens every tool result for prompt injection. Default: the built-in rules. */
  readonly screener?: Screener | undefined;
  /**
   * What happens to a flagged tool result: `spotlight` (default) wraps it in data markers and labels
   * the session `tainted`, so the policy's taint rules apply to what follows; `withhold` replaces it
   * with a notice. A result whose screening fails is withheld either way.
   */
  readonly onInjection?: 'spotlight' | 'withhold' | undefined;
  /** Redacts personal data and secrets in tool results. Default: every built-in type; `'off'` for none. */
  readonly redactor?: Redactor | 'off' | undefined;
  /**
   * Output DLP on what the model is given and what it writes (text and tool-call arguments).
   * Default: `createOutputGuard()` (redact personal data and secrets; a secret in tool-call arguments
   * blocks the reply); `'off'` for none.
   */
  readonly output?: OutputGuard | 'off' | undefined;
  /** Maps LangChain's run context to the call context (for the session to taint). Default: `readCallContext`. */
  readonly context?: ContextResolver | undefined;
}

const WITHHELD_RESULT = '[Palisade withheld this tool result: it was flagged as untrusted instructions]';
const WITHHELD_REPLY = '[Palisade withheld this reply: it failed the output check]';

/**
 * A `createAgent` middleware for the content layer (`@palisade/retrieval-guard`): every tool result
 * is screened for prompt injection (spotlighted and the session tainted, or withheld) and redacted
 * before the model reads it; the conversation is redacted before each model call (what the model
 * sees, every message, not only the newest); and each model reply passes output DLP before it
 * enters the conversation, tool-call arguments included. Anything that cannot be checked is
 * withheld, never passed.
 *
 * Put it after `palisadeMiddleware` in `middleware`, so that it sees the result of each guarded call
 * and the screened result is what the agent keeps.
 *
 * @example
 * ```ts
 * const agent = createAgent({
 *   model,
 *   tools,
 *   middleware: [palisadeMiddleware(palisade, {}), contentMiddleware(palisade, { onInjection: 'spotlight' })],
 *   checkpointer,
 * });
 * ```
 */
export function contentMiddleware(
  enforcement: Enforcement,
  options: ContentMiddlewareOptions = {},
): AgentMiddleware {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('contentMiddleware(): options must be an object');
  }
  const onInjection = options.onInjection ?? 'spotlight';
  if (onInjection !== 'spotlight' && onInjection !== 'withhold') {
    throw new TypeError("contentMiddleware(): onInjection must be 'spotlight' or 'withhold'");
  }
  if (options.context !== undefined && typeof options.context !== 'function') {
    throw new TypeError('contentMiddleware(): options.context must be a function');
  }
  const screener = options.screener ?? createScreener();
  if (typeof screener?.screen !== 'function')
    throw new TypeError('contentMiddleware(): screener must have screen()');
  const redactor = options.redactor === 'off' ? undefined : (options.redactor ?? createRedactor());
  if (redactor !== undefined && typeof redactor.redact !== 'function') {
    throw new TypeError('contentMiddleware(): redactor must have redact()');
  }
  const output = options.output === 'off' ? undefined : (options.output ?? createOutputGuard());
  if (output !== undefined && typeof output.checkText !== 'function') {
    throw new TypeError('contentMiddleware(): output must be an output guard');
  }
  const resolver = options.context ?? readCallContext;

  /** The tool result's text as the model may read it. */
  const screenResult = async (text: string, sessionId: string | undefined): Promise<string> => {
    let flagged: boolean;
    try {
      const screening = await screener.screen(text);
      flagged = screening.flagged || screening.failedDetectors.length > 0;
      if (screening.failedDetectors.length > 0) return WITHHELD_RESULT;
    } catch {
      return WITHHELD_RESULT;
    }
    let result = text;
    if (redactor) {
      try {
        result = (await redactor.redact(text)).text;
      } catch {
        return WITHHELD_RESULT;
      }
    }
    if (!flagged) return result;
    // Spotlighting contains the content only if the session carries the taint to later decisions.
    if (onInjection === 'withhold' || sessionId === undefined || !enforcement.sessions)
      return WITHHELD_RESULT;
    await enforcement.sessions.addLabels(sessionId, ['tainted']);
    return spotlight(result);
  };

  const screenToolMessage = async (
    message: ToolMessage,
    sessionId: string | undefined,
  ): Promise<ToolMessage> => {
    const content = await mapText(message.content, (text) => screenResult(text, sessionId));
    return new ToolMessage({
      content: content as ToolMessage['content'],
      tool_call_id: message.tool_call_id,
      artifact: message.artifact,
      ...defined({ name: message.name, status: message.status, id: message.id }),
    });
  };

  return createMiddleware({
    name: 'PalisadeContentMiddleware',
    wrapToolCall: async (request, handler) => {
      // Every result is screened, denials too: nothing a tool returns can mark itself as exempt.
      const result = await handler(request);
      let sessionId: string | undefined;
      try {
        const context = resolver({
          context: request.runtime.context,
          configurable: request.runtime.configurable,
          toolCall: request.toolCall,
        });
        sessionId = context?.sessionId;
      } catch {
        sessionId = undefined;
      }
      if (ToolMessage.isInstance(result)) return screenToolMessage(result, sessionId);
      if (isCommand(result)) {
        const update = result.update as { messages?: unknown } | undefined;
        if (!Array.isArray(update?.messages)) return result;
        const messages = await Promise.all(
          update.messages.map((message: unknown) =>
            ToolMessage.isInstance(message) ? screenToolMessage(message, sessionId) : message,
          ),
        );
        (result as { update: unknown }).update = { ...(update as Record<string, unknown>), messages };
        return result;
      }
      return result;
    },
    ...(output && {
      wrapModelCall: async (request, handler) => {
        // What the model is given: every message redacted, not only the newest.
        const messages = await Promise.all(request.messages.map((message) => redactMessage(message, output)));
        const reply = await handler({ ...request, messages });
        if (!AIMessage.isInstance(reply)) return reply;
        return checkReply(reply, output);
      },
    }),
  });
}

/** A message with its text redacted for the model's eyes; one that cannot be checked is withheld. */
async function redactMessage(message: BaseMessage, output: OutputGuard): Promise<BaseMessage> {
  let changed = false;
  const content = await mapText(message.content, async (text) => {
    const check = await output.checkText(text).catch(() => undefined);
    const next = check === undefined || check.blocked ? '[withheld by output DLP]' : check.text;
    if (next !== text) changed = true;
    return next;
  });
  if (!changed) return message;
  const fields = { ...(message as unknown as { lc_kwargs: Record<string, unknown> }).lc_kwargs, content };
  const Constructor = message.constructor as new (fields: Record<string, unknown>) => BaseMessage;
  return new Constructor(fields);
}

/** The reply as it may enter the conversation: text redacted, arguments checked, or withheld whole. */
async function checkReply(reply: AIMessage, output: OutputGuard): Promise<AIMessage> {
  try {
    let blocked = false;
    const content = await mapText(reply.content, async (text) => {
      const check = await output.checkText(text);
      if (check.blocked) blocked = true;
      return check.text;
    });
    const toolCalls = [];
    for (const toolCall of reply.tool_calls ?? []) {
      const checked = await output.checkToolCall({ name: toolCall.name, arguments: toolCall.args });
      toolCalls.push({ ...toolCall, args: checked.arguments as Record<string, unknown> });
    }
    if (blocked) return withheldReply(reply);
    return new AIMessage({
      content: content as AIMessage['content'],
      tool_calls: toolCalls,
      response_metadata: reply.response_metadata,
      ...defined({ id: reply.id, name: reply.name, usage_metadata: reply.usage_metadata }),
    });
  } catch {
    // A blocked argument (a secret on its way out) or a failed check: nothing of the reply runs.
    return withheldReply(reply);
  }
}

function withheldReply(reply: AIMessage): AIMessage {
  return new AIMessage({
    content: WITHHELD_REPLY,
    tool_calls: [],
    ...defined({ id: reply.id, name: reply.name }),
  });
}

/** Applies `transform` to the text of a message's content: a string, or its text blocks. */
async function mapText(content: unknown, transform: (text: string) => Promise<string>): Promise<unknown> {
  if (typeof content === 'string') return transform(content);
  if (!Array.isArray(content)) return content;
  return Promise.all(
    content.map(async (block: unknown) => {
      if (typeof block === 'string') return transform(block);
      if (typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'text') {
        const text = (block as { text?: unknown }).text;
        if (typeof text === 'string') return { ...(block as object), text: await transform(text) };
      }
      return block;
    }),
  );
}

/** The fields that are set (LangChain's message fields are optional, never `undefined`). */
function defined<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
