import type { EntityFinding } from './entity.js';
import { ContentBlockedError, type ContentBlockReason } from './errors.js';
import { createRedactor, type Redactor } from './redactor.js';

/** What output DLP does with a kind of finding. */
export type OutputAction = 'redact' | 'block' | 'allow';

/** Options of {@link createOutputGuard}. */
export interface OutputGuardOptions {
  /** The redactor whose detectors run on output (default: every built-in type, masked). */
  readonly redactor?: Redactor | undefined;
  /** Secrets in model output and tool results (default `redact`). */
  readonly onSecret?: OutputAction | undefined;
  /** Personal data (every non-secret type) in model output and tool results (default `redact`). */
  readonly onPersonalData?: OutputAction | undefined;
  /** Secrets in tool-call arguments (default `block`: a secret on its way into a tool is a leak). */
  readonly onSecretInToolCall?: 'block' | 'redact' | undefined;
  /** Personal data in tool-call arguments (default `allow`: a legitimate call may carry an address). */
  readonly onPersonalDataInToolCall?: OutputAction | undefined;
  /** Canary strings from the system prompt; any one in output blocks it (a system-prompt leak). */
  readonly canaries?: readonly string[] | undefined;
  /**
   * Characters the stream holds back before emitting (default 64). It must cover the longest
   * sensitive value that contains spaces (a spaced card number or IBAN); values without spaces are
   * held whole whatever their length, up to `maxHoldback`.
   */
  readonly holdback?: number | undefined;
  /** Largest amount of text the stream ever holds (default 16 384); beyond it the stream fails closed. */
  readonly maxHoldback?: number | undefined;
}

/** The outcome of checking one text. */
export interface OutputCheck {
  /** The text to let out (redacted); empty when blocked. */
  readonly text: string;
  readonly blocked: boolean;
  /** Kinds of finding that blocked it. */
  readonly reasons: readonly ContentBlockReason[];
  /** What was found (types, rules, offsets in the original text; never values). */
  readonly findings: readonly EntityFinding[];
}

/** A chat message as the AI SDK and most chat APIs shape it (string content or content parts). */
export interface OutputMessage {
  readonly role: string;
  readonly content: unknown;
}

/** A tool call as models propose it. */
export interface ToolCallLike {
  readonly name: string;
  readonly arguments: unknown;
}

/** Output DLP: the same detectors as retrieval, applied to what leaves. Created by {@link createOutputGuard}. */
export interface OutputGuard {
  /** Checks one text (a model output, a tool result). */
  checkText(text: string): Promise<OutputCheck>;
  /**
   * Checks every string in every message of a conversation (not only the newest), returning
   * redacted copies; throws {@link ContentBlockedError} when any message must be blocked.
   */
  checkMessages<M extends OutputMessage>(messages: readonly M[]): Promise<M[]>;
  /** Checks a tool call's arguments (every string inside them); throws {@link ContentBlockedError} on a leak. */
  checkToolCall<T extends ToolCallLike>(call: T): Promise<T>;
  /**
   * A stream transform for streamed output: text is emitted only after it has been checked with
   * `holdback` characters of look-ahead and never inside a run of non-space characters, so a secret
   * split across chunks is caught whole and no fragment of it leaves first. Errors the stream with
   * {@link ContentBlockedError} on a canary or a blocked finding.
   */
  createStream(): TransformStream<string, string>;
}

interface Policy {
  readonly secret: OutputAction;
  readonly personal: OutputAction;
}

const BLOCK_WHOLE_RUN = /\S+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Creates output DLP: secrets and personal data in model output, tool results and tool-call
 * arguments are redacted or blocked, canary strings block (a system-prompt leak), and streamed
 * output passes through a bounded holdback buffer.
 *
 * Added latency of the stream: text leaves `holdback` characters (64 by default, about 16 tokens)
 * after it arrives, and a run of non-space characters leaves when it ends, so a secret is never
 * emitted in part.
 *
 * @example
 * ```ts
 * const dlp = createOutputGuard({ canaries: [canary] });
 * const safe = await dlp.checkText(modelOutput); // safe.blocked, safe.text
 * const stream = textStream.pipeThrough(dlp.createStream());
 * ```
 */
export function createOutputGuard(options: OutputGuardOptions = {}): OutputGuard {
  const redactor = options.redactor ?? createRedactor();
  const canaries = [...(options.canaries ?? [])];
  for (const canary of canaries) {
    if (typeof canary !== 'string' || canary.length < 8)
      throw new TypeError('createOutputGuard(): canaries must be strings of 8+ characters');
  }
  const lowerCanaries = canaries.map((canary) => canary.toLowerCase());
  const holdback = options.holdback ?? 64;
  const maxHoldback = options.maxHoldback ?? 16_384;
  if (!Number.isInteger(holdback) || holdback < 32)
    throw new TypeError('createOutputGuard(): holdback must be an integer >= 32');
  if (!Number.isInteger(maxHoldback) || maxHoldback < holdback * 2)
    throw new TypeError('createOutputGuard(): maxHoldback must be at least twice holdback');
  const outputPolicy: Policy = {
    secret: options.onSecret ?? 'redact',
    personal: options.onPersonalData ?? 'redact',
  };
  const toolPolicy: Policy = {
    secret: options.onSecretInToolCall ?? 'block',
    personal: options.onPersonalDataInToolCall ?? 'allow',
  };
  for (const [key, value] of Object.entries({ ...outputPolicy, tool: toolPolicy.personal })) {
    if (value !== 'redact' && value !== 'block' && value !== 'allow')
      throw new TypeError(`createOutputGuard(): ${key} action must be redact, block or allow`);
  }
  if (toolPolicy.secret !== 'block' && toolPolicy.secret !== 'redact')
    throw new TypeError('createOutputGuard(): onSecretInToolCall must be block or redact');

  const canaryIn = (text: string): boolean => {
    if (lowerCanaries.length === 0) return false;
    const lower = text.toLowerCase();
    return lowerCanaries.some((canary) => lower.includes(canary));
  };

  const check = (text: string, policy: Policy): OutputCheck => {
    if (typeof text !== 'string') throw new TypeError('output guard: text must be a string');
    if (canaryIn(text)) return { text: '', blocked: true, reasons: ['canary'], findings: [] };
    let findings: EntityFinding[];
    try {
      findings = redactor.find(text);
    } catch {
      return { text: '', blocked: true, reasons: ['detector-error'], findings: [] };
    }
    const reasons = new Set<ContentBlockReason>();
    let result = '';
    let cursor = 0;
    for (const finding of findings) {
      const secret = finding.type === 'secret';
      const action = secret ? policy.secret : policy.personal;
      if (action === 'block') reasons.add(secret ? 'secret' : 'pii');
      if (action !== 'redact') continue;
      result += `${text.slice(cursor, finding.start)}[REDACTED:${finding.type}]`;
      cursor = finding.end;
    }
    if (reasons.size > 0) return { text: '', blocked: true, reasons: [...reasons], findings };
    return { text: result + text.slice(cursor), blocked: false, reasons: [], findings };
  };

  const mapStrings = (
    value: unknown,
    policy: Policy,
    blocked: Set<ContentBlockReason>,
    rules: Set<string>,
    depth: number,
  ): unknown => {
    if (depth > 32) {
      blocked.add('detector-error');
      return value;
    }
    if (typeof value === 'string') {
      const result = check(value, policy);
      for (const reason of result.reasons) blocked.add(reason);
      for (const finding of result.findings) rules.add(finding.rule);
      return result.blocked ? value : result.text;
    }
    if (Array.isArray(value)) return value.map((item) => mapStrings(item, policy, blocked, rules, depth + 1));
    if (isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        copy[key] = mapStrings(item, policy, blocked, rules, depth + 1);
      return copy;
    }
    if (typeof value === 'object' && value !== null) {
      if (
        value instanceof Date ||
        value instanceof RegExp ||
        value instanceof ArrayBuffer ||
        ArrayBuffer.isView(value)
      )
        return value;
      if (value instanceof Map || value instanceof Set) {
        // Not rebuilt; what they hold is still checked, and blocks where it would be redacted.
        const strict: Policy = { secret: 'block', personal: policy.personal === 'allow' ? 'allow' : 'block' };
        for (const item of value instanceof Map ? [...value.keys(), ...value.values()] : [...value])
          mapStrings(item, strict, blocked, rules, depth + 1);
        return value;
      }
      // A class instance (a LangChain message): a copy with the same prototype, its fields checked.
      const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
      for (const [key, item] of Object.entries(value))
        copy[key] = mapStrings(item, policy, blocked, rules, depth + 1);
      return copy;
    }
    return value;
  };

  const checkValue = <T>(value: T, policy: Policy, what: string): T => {
    const blocked = new Set<ContentBlockReason>();
    const rules = new Set<string>();
    const result = mapStrings(value, policy, blocked, rules, 0) as T;
    if (blocked.size > 0)
      throw new ContentBlockedError(`${what} blocked by output DLP (${[...blocked].join(', ')})`, {
        reasons: [...blocked],
        rules: [...rules],
      });
    return result;
  };

  return {
    async checkText(text) {
      return check(text, outputPolicy);
    },
    async checkMessages(messages) {
      if (!Array.isArray(messages)) throw new TypeError('checkMessages(): messages must be an array');
      return messages.map((message) => checkValue(message, outputPolicy, 'a message'));
    },
    async checkToolCall(call) {
      if (typeof call?.name !== 'string') throw new TypeError('checkToolCall(): call.name must be a string');
      return { ...call, arguments: checkValue(call.arguments, toolPolicy, `tool call "${call.name}"`) };
    },
    createStream() {
      let buffer = '';
      const fail = (
        controller: TransformStreamDefaultController<string>,
        reasons: readonly ContentBlockReason[],
        rules: readonly string[],
      ) => {
        buffer = '';
        controller.error(
          new ContentBlockedError('streamed output blocked by output DLP', { reasons, rules }),
        );
      };
      /** Emits the checked prefix of the buffer; with `final`, all of it. */
      const flush = (controller: TransformStreamDefaultController<string>, final: boolean): void => {
        if (canaryIn(buffer)) {
          fail(controller, ['canary'], ['canary']);
          return;
        }
        let findings: EntityFinding[];
        try {
          findings = redactor.find(buffer);
        } catch {
          fail(controller, ['detector-error'], []);
          return;
        }
        let cut = final ? buffer.length : buffer.length - holdback;
        if (!final) {
          // Never cut inside a run of non-space characters: a token-like secret leaves whole or not at all.
          const head = buffer.slice(0, Math.max(cut, 0));
          const run = BLOCK_WHOLE_RUN.exec(head);
          if (run !== null && /\S/.test(buffer[cut] ?? ' ')) cut -= run[0].length;
          // Never cut inside a finding; a canary could still be completed by what follows.
          for (const finding of findings) if (finding.start < cut && finding.end > cut) cut = finding.start;
          const tail = buffer.slice(0, cut).toLowerCase();
          for (const canary of lowerCanaries) {
            for (let length = Math.min(canary.length - 1, tail.length); length > 0; length -= 1) {
              if (tail.endsWith(canary.slice(0, length))) {
                cut -= length;
                break;
              }
            }
          }
        }
        if (cut <= 0) {
          if (buffer.length > maxHoldback) fail(controller, ['secret'], ['holdback-overflow']);
          return;
        }
        const emitted = buffer.slice(0, cut);
        const result = check(emitted, outputPolicy);
        if (result.blocked) {
          fail(
            controller,
            result.reasons,
            result.findings.map((finding) => finding.rule),
          );
          return;
        }
        buffer = buffer.slice(cut);
        if (result.text !== '') controller.enqueue(result.text);
        if (buffer.length > maxHoldback) fail(controller, ['secret'], ['holdback-overflow']);
      };
      return new TransformStream<string, string>({
        transform(chunk, controller) {
          if (typeof chunk !== 'string') {
            fail(controller, ['detector-error'], ['not-text']);
            return;
          }
          buffer += chunk;
          if (buffer.length > holdback) flush(controller, false);
        },
        flush(controller) {
          flush(controller, true);
        },
      });
    },
  };
}
