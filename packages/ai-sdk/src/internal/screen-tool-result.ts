import type { SessionStore } from '@palisade/core';
import { type Redactor, type Screener, spotlight } from '@palisade/retrieval-guard';

/** How a guarded tool's results are screened before the model reads them. */
export interface ToolResultScreening {
  /** Injection screening of every string of the result (`createScreener()`). */
  readonly screener?: Screener | undefined;
  /** Redaction of every string of the result (`createRedactor()`). */
  readonly redactor?: Redactor | undefined;
  /**
   * A flagged result: `spotlight` (default) wraps each flagged string in data markers and labels the
   * session `tainted`, so the policy's taint rules apply to what follows; `withhold` replaces the
   * whole result with a notice. A result whose screening fails, or whose session cannot be tainted,
   * is withheld.
   */
  readonly onInjection?: 'spotlight' | 'withhold' | undefined;
}

/** What the model reads instead of a result Palisade withheld. */
export const WITHHELD_RESULT =
  '[Palisade withheld this tool result: it was flagged as untrusted instructions]';

/** Checks the options once, when the tools are guarded. */
export function assertToolResultScreening(where: string, screening: unknown): void {
  if (screening === undefined) return;
  if (typeof screening !== 'object' || screening === null) {
    throw new TypeError(`${where}: options.screenResults must be an object`);
  }
  const { screener, redactor, onInjection } = screening as ToolResultScreening;
  if (!screener && !redactor) {
    throw new TypeError(`${where}: options.screenResults needs a screener, a redactor or both`);
  }
  if (screener !== undefined && typeof screener?.screen !== 'function') {
    throw new TypeError(`${where}: options.screenResults.screener must be a Screener (createScreener())`);
  }
  if (redactor !== undefined && typeof redactor?.redact !== 'function') {
    throw new TypeError(`${where}: options.screenResults.redactor must be a Redactor (createRedactor())`);
  }
  if (onInjection !== undefined && onInjection !== 'spotlight' && onInjection !== 'withhold') {
    throw new TypeError(`${where}: options.screenResults.onInjection must be 'spotlight' or 'withhold'`);
  }
}

/**
 * Screens and redacts every string of a tool's result (nested in objects and arrays too). Content
 * is data, never instructions: a flagged string is spotlighted and taints the session, or the whole
 * result is withheld; anything that fails withholds it.
 */
export async function screenToolResult(
  output: unknown,
  screening: ToolResultScreening,
  session: { readonly sessions: SessionStore | undefined; readonly sessionId: string | undefined },
): Promise<unknown> {
  let flagged = false;
  const screenText = async (text: string): Promise<string> => {
    let out = text;
    if (screening.screener) {
      const result = await screening.screener.screen(text);
      if (result.failedDetectors.length > 0) throw new Error('a detector failed');
      if (result.flagged) {
        flagged = true;
        out = spotlight(out);
      }
    }
    if (screening.redactor) out = (await screening.redactor.redact(out)).text;
    return out;
  };
  let screened: unknown;
  try {
    screened = await mapStrings(output, screenText, 0);
  } catch {
    return WITHHELD_RESULT;
  }
  if (!flagged) return screened;
  // Spotlighting contains the content only if the session carries the taint to later decisions.
  if (screening.onInjection === 'withhold' || !session.sessions || session.sessionId === undefined) {
    return WITHHELD_RESULT;
  }
  try {
    await session.sessions.addLabels(session.sessionId, ['tainted']);
  } catch {
    return WITHHELD_RESULT;
  }
  return screened;
}

async function mapStrings(
  value: unknown,
  screen: (text: string) => Promise<string>,
  depth: number,
): Promise<unknown> {
  if (depth > 32) throw new Error('too deep to screen');
  if (typeof value === 'string') return screen(value);
  if (Array.isArray(value)) return Promise.all(value.map((item) => mapStrings(item, screen, depth + 1)));
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value);
  // Only plain data is screened field by field; anything else cannot be checked, so it is withheld.
  if (prototype !== Object.prototype && prototype !== null) throw new Error('not plain data');
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = await mapStrings(item, screen, depth + 1);
  return copy;
}
