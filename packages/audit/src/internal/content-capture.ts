import { canonicalJson } from '@palisade/core';
import { type ContentRedactor, createFieldRedactor, type RedactionContext } from '../field-redactor.js';

/** How inputs and outputs are captured, resolved from the `captureContent` option. */
export interface ContentCapture {
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
      /** Further redactors (content detectors), applied after the field redaction, in order. */
      readonly redactors?: readonly ContentRedactor[] | undefined;
    };

const OFF: ContentCapture = { redacted: () => undefined, serialize: () => undefined };

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
  const redacted = (value: unknown, context: RedactionContext): unknown => {
    const clean = redactors.reduce((current, redactor) => redactor.redact(current, context), value);
    try {
      canonicalJson(clean ?? null);
      return clean;
    } catch {
      // Content that JSON cannot represent (bigint, cycles) is described, never dumped raw.
      return `[unserializable ${typeof clean}]`;
    }
  };
  return {
    redacted,
    serialize(value, context) {
      const clean = redacted(value, context);
      return clean === undefined ? undefined : canonicalJson(clean);
    },
  };
}
