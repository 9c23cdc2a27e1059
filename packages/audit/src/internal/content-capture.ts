import { type ContentRedactor, createFieldRedactor, type RedactionContext } from '../field-redactor.js';
import { createSecretRedactor } from '../secret-redactor.js';
import { fastCanonicalJson } from './fast-canonical-json.js';

/** How inputs and outputs are captured, resolved from the `captureContent` option. */
export interface ContentCapture {
  /** Whether content is captured at all: when not, callers skip building redaction contexts. */
  readonly enabled: boolean;
  /** The redacted value, or `undefined` when capture is off. */
  redacted(value: unknown, context: RedactionContext): unknown;
  /** The redacted value as JSON, or `undefined` when capture is off. */
  serialize(value: unknown, context: RedactionContext): string | undefined;
}

/** `captureContent` as callers write it. */
export type CaptureContentOption =
  | boolean
  | {
      /** Field paths to redact (see `createFieldRedactor`). */
      readonly redact?: readonly string[] | undefined;
      /**
       * Further redactors (content detectors), applied after the field redaction, in order. The
       * default secret detector (`createSecretRedactor()`) always runs last; it cannot be turned off.
       */
      readonly redactors?: readonly ContentRedactor[] | undefined;
    };

const OFF: ContentCapture = { enabled: false, redacted: () => undefined, serialize: () => undefined };

export function resolveContentCapture(
  option: CaptureContentOption | undefined,
  where: string,
): ContentCapture {
  if (option === undefined || option === false) return OFF;
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new TypeError(`${where}: captureContent must be a boolean or { redact, redactors }`);
  }
  const redactors: ContentRedactor[] = [];
  if (option !== true) {
    if (option.redact !== undefined) redactors.push(createFieldRedactor(option.redact));
    for (const [index, redactor] of (option.redactors ?? []).entries()) {
      if (typeof redactor?.redact !== 'function') {
        throw new TypeError(`${where}: captureContent.redactors[${index}] must have redact()`);
      }
      redactors.push(redactor);
    }
  }
  // Named fields catch what the app knows about; the detector catches the credential nobody named
  // (a key pasted into a free-text field, a password in a URL, a token in an error message).
  redactors.push(createSecretRedactor());
  /** The redacted value and its JSON; content JSON cannot represent is described, never dumped raw. */
  const clean = (value: unknown, context: RedactionContext): { value: unknown; json: string } => {
    const result = redactors.reduce((current, redactor) => redactor.redact(current, context), value);
    try {
      return { value: result, json: fastCanonicalJson(result ?? null) };
    } catch {
      const description = `[unserializable ${typeof result}]`;
      return { value: description, json: JSON.stringify(description) };
    }
  };
  return {
    enabled: true,
    redacted: (value, context) => clean(value, context).value,
    serialize: (value, context) => (value === undefined ? undefined : clean(value, context).json),
  };
}
