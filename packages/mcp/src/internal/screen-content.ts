import type { SessionStore } from '@palisade/core';
import { ContentBlockedError, type Redactor, type Screener, spotlight } from '@palisade/retrieval-guard';

/** The content layer a guarded server applies to what its resources and prompts return. */
export interface ContentScreening {
  /** Injection screening of every text (`createScreener()` of `@palisade/retrieval-guard`). */
  readonly screener?: Screener | undefined;
  /** Redaction of every text (`createRedactor()`), after screening. */
  readonly redactor?: Redactor | undefined;
  /**
   * What a text the screener flags becomes: `block` (default) refuses the read; `spotlight` wraps
   * it in data markers and labels the caller's session `tainted`, so later sends need a human.
   */
  readonly onInjection?: 'block' | 'spotlight' | undefined;
}

/** Checks the options once, when the server is guarded. */
export function assertContentScreening(caller: string, content: unknown): void {
  if (content === undefined) return;
  if (typeof content !== 'object' || content === null) {
    throw new TypeError(`${caller}: options.content must be an object`);
  }
  const { screener, redactor, onInjection } = content as ContentScreening;
  if (screener !== undefined && typeof screener?.screen !== 'function') {
    throw new TypeError(`${caller}: options.content.screener must be a Screener (createScreener())`);
  }
  if (redactor !== undefined && typeof redactor?.redact !== 'function') {
    throw new TypeError(`${caller}: options.content.redactor must be a Redactor (createRedactor())`);
  }
  if (onInjection !== undefined && onInjection !== 'block' && onInjection !== 'spotlight') {
    throw new TypeError(`${caller}: options.content.onInjection must be 'block' or 'spotlight'`);
  }
}

/** Where flagged content taints the session. */
export interface ScreeningSession {
  readonly sessions: SessionStore | undefined;
  readonly sessionId: string | undefined;
}

/**
 * Screens and redacts every text of a `resources/read` result (`contents[].text`) or a
 * `prompts/get` result (`messages[].content.text`, and embedded resources' text). Anything that
 * fails (a detector, the session store) refuses the content: it is never passed on unscreened.
 */
export async function screenContent<Result>(
  result: Result,
  content: ContentScreening,
  session: ScreeningSession,
): Promise<Result> {
  let tainted = false;
  const screenText = async (text: string): Promise<string> => {
    let out = text;
    if (content.screener) {
      const screening = await content.screener.screen(text);
      if (screening.flagged) {
        if ((content.onInjection ?? 'block') === 'block') {
          throw new ContentBlockedError('content blocked: it reads as a prompt injection', {
            reasons: ['injection'],
            rules: [...new Set(screening.signals.map((signal) => signal.rule))],
          });
        }
        tainted = true;
        out = spotlight(out);
      }
    }
    if (content.redactor) out = (await content.redactor.redact(out)).text;
    return out;
  };

  const screened = await mapTexts(result, screenText);
  if (tainted) {
    if (!session.sessions || session.sessionId === undefined) {
      throw new ContentBlockedError(
        'content blocked: it reads as a prompt injection and no session can be tainted',
        {
          reasons: ['injection'],
        },
      );
    }
    await session.sessions.addLabels(session.sessionId, ['tainted']);
  }
  return screened;
}

/** Rewrites the text fields of a resource or prompt result; the rest is copied as it is. */
async function mapTexts<Result>(result: Result, screen: (text: string) => Promise<string>): Promise<Result> {
  const value = result as { contents?: unknown; messages?: unknown };
  if (Array.isArray(value.contents)) {
    return {
      ...value,
      contents: await Promise.all(value.contents.map((item) => withText(item, screen))),
    } as Result;
  }
  if (Array.isArray(value.messages)) {
    const messages = await Promise.all(
      value.messages.map(async (message: { content?: unknown }) => {
        const part = message.content as { type?: unknown; resource?: unknown } | undefined;
        if (part?.type === 'text') return { ...message, content: await withText(part, screen) };
        if (part?.type === 'resource') {
          return { ...message, content: { ...part, resource: await withText(part.resource, screen) } };
        }
        return message;
      }),
    );
    return { ...value, messages } as Result;
  }
  return result;
}

async function withText(item: unknown, screen: (text: string) => Promise<string>): Promise<unknown> {
  const text = (item as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? { ...(item as object), text: await screen(text) } : item;
}
