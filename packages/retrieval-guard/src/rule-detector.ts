import type { InjectionDetector, InjectionSignal } from './injection.js';
import { INJECTION_RULES } from './internal/injection-rules.js';
import { RULE_TRIGGERS } from './internal/rule-triggers.js';
import { compileTriggers } from './internal/trigger-automaton.js';

const DETECTOR = 'rules';

// Invisible characters: zero-width spaces and joiners, word joiner and invisible operators, the BOM,
// bidirectional embeddings / overrides / isolates, and soft hyphen.
const INVISIBLE = /[\u200B-\u200F\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069\u00AD\u180E]/g;
const BIDI_OVERRIDE = /[\u202A-\u202E\u2066-\u2069]/g;
// Unicode tag characters (U+E0000-E007F) spell ASCII invisibly, except in flag emoji after U+1F3F4.
const TAGS = /(?<!\u{1F3F4}[\u{E0020}-\u{E007E}]{0,8})[\u{E0000}-\u{E007F}]+/gu;
const MARKDOWN_IMAGE = /!\[[^\]\n]{0,300}\]\(\s{0,3}<?(https?:\/\/[^\s)>]{1,2048})/gi;
const HTML_IMAGE =
  /<(?:img|image|iframe|script|link|source|video|audio)\b[^>]{0,400}?\b(?:src|href|srcset|data)\s{0,2}=\s{0,2}["']?(https?:\/\/[^\s"'>]{1,2048})/gi;
const PLACEHOLDER_QUERY =
  /[?&#][^=&\s]{1,40}=(?:\{|\$|%7B|%24|<|%3C|\[|%5B)|[?&][^=&\s]{0,20}(?:data|secret|password|passwd|token|key|conversation|history|chat|prompt|ssn|email|user|info|content|message|memory|context|q)=/i;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2}){16,2048}/g;

function signal(
  rule: string,
  category: InjectionSignal['category'],
  score: number,
  start: number,
  end: number,
): InjectionSignal {
  return { detector: DETECTOR, rule, category, score, start, end };
}

/** The case-insensitive rules, compiled to run on lower-cased text (about twice as fast). */
const LOWERED: readonly (RegExp | undefined)[] = INJECTION_RULES.map((rule) =>
  rule.pattern.flags.includes('i')
    ? new RegExp(
        rule.pattern.source.replace(/(?<!\\)[A-Z]/g, (letter) => letter.toLowerCase()),
        rule.pattern.flags.replace('i', ''),
      )
    : undefined,
);

/** Every rule's literals, compiled once; literal index -> rules (by index) that need it. */
const TRIGGER_LITERALS: string[] = [];
const TRIGGER_RULES: number[][] = [];
const RULE_REACH: number[] = INJECTION_RULES.map((rule) => {
  const trigger = RULE_TRIGGERS[rule.id];
  if (trigger === undefined) throw new TypeError(`rule ${rule.id} has no trigger literals`);
  return trigger.reach;
});
for (const [ruleIndex, rule] of INJECTION_RULES.entries()) {
  for (const literal of RULE_TRIGGERS[rule.id]!.literals) {
    let index = TRIGGER_LITERALS.indexOf(literal);
    if (index === -1) {
      index = TRIGGER_LITERALS.length;
      TRIGGER_LITERALS.push(literal);
      TRIGGER_RULES.push([]);
    }
    TRIGGER_RULES[index]!.push(ruleIndex);
  }
}
const AUTOMATON = compileTriggers(TRIGGER_LITERALS);

function runRule(
  ruleIndex: number,
  text: string,
  lower: string,
  useLower: boolean,
  start: number,
  end: number,
  offset: number,
  out: InjectionSignal[],
): void {
  const rule = INJECTION_RULES[ruleIndex]!;
  const lowered = useLower ? LOWERED[ruleIndex] : undefined;
  const pattern = lowered ?? rule.pattern;
  let input = (lowered === undefined ? text : lower).slice(start, end);
  let shift = start;
  // A window that starts inside a line must not look like the start of the text to `^`.
  if (start > 0 && text[start - 1] !== '\n') {
    input = `\u0000${input}`;
    shift -= 1;
  }
  pattern.lastIndex = 0;
  for (let match = pattern.exec(input); match !== null; match = pattern.exec(input)) {
    out.push(
      signal(
        rule.id,
        rule.category,
        rule.score,
        offset + shift + match.index,
        offset + shift + match.index + match[0].length,
      ),
    );
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
}

/**
 * Runs the rules on the windows around their trigger literals: one Aho-Corasick pass over the
 * lower-cased text finds the literals, then each rule runs only where it can match.
 */
function matchRules(text: string, offset: number, out: InjectionSignal[]): void {
  const lower = text.toLowerCase();
  // Lower-casing keeps offsets only when no character changes length (it almost never does).
  const useLower = lower.length === text.length;
  const source = useLower ? lower : text.replace(/[^\x20-\x7e]/g, ' ').toLowerCase();
  const open = new Map<number, [number, number]>();
  AUTOMATON.scan(source, (literal, end) => {
    const begin = end - AUTOMATON.lengths[literal]!;
    for (const ruleIndex of TRIGGER_RULES[literal]!) {
      const reach = RULE_REACH[ruleIndex]!;
      // Back to the line's start or a space, so `\b` and `^` see what they would in the whole text.
      let start = Math.max(0, begin - reach);
      for (let step = 0; step < 64 && start > 0 && !/\s/.test(text[start - 1]!); step += 1) start -= 1;
      let stop = Math.min(text.length, end + reach);
      for (let step = 0; step < 64 && stop < text.length && !/\s/.test(text[stop]!); step += 1) stop += 1;
      const window = open.get(ruleIndex);
      if (window !== undefined && start <= window[1]) window[1] = Math.max(window[1], stop);
      else {
        if (window !== undefined)
          runRule(ruleIndex, text, lower, useLower, window[0], window[1], offset, out);
        open.set(ruleIndex, [start, stop]);
      }
    }
  });
  for (const [ruleIndex, [start, stop]] of open)
    runRule(ruleIndex, text, lower, useLower, start, stop, offset, out);
}

function printableRatio(text: string): number {
  if (text.length === 0) return 0;
  let printable = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code >= 32 && code < 127) || code === 9 || code === 10 || code === 13) printable += 1;
  }
  return printable / text.length;
}

function decodeBase64(run: string): string | undefined {
  try {
    return atob(run.length % 4 === 0 ? run : run + '='.repeat(4 - (run.length % 4)));
  } catch {
    return undefined;
  }
}

function decodeHex(run: string): string {
  let out = '';
  for (let index = 0; index < run.length; index += 2)
    out += String.fromCharCode(Number.parseInt(run.slice(index, index + 2), 16));
  return out;
}

function decodePercent(run: string): string | undefined {
  try {
    return decodeURIComponent(run);
  } catch {
    return undefined;
  }
}

/** Screens decoded text; an encoded instruction is strong evidence, encoded prose a weak one. */
function screenDecoded(
  decoded: string | undefined,
  kind: string,
  start: number,
  end: number,
  out: InjectionSignal[],
): void {
  if (
    decoded === undefined ||
    decoded.length < 16 ||
    printableRatio(decoded) < 0.95 ||
    !/[a-z]{3,} [a-z]{2,}/i.test(decoded)
  )
    return;
  const inner: InjectionSignal[] = [];
  matchRules(decoded, 0, inner);
  const strongest = inner.reduce((best, item) => Math.max(best, item.score), 0);
  out.push(
    strongest >= 0.5
      ? signal(`${kind}-instruction`, 'encoded-payload', 0.9, start, end)
      : signal(`${kind}-text`, 'encoded-payload', 0.3, start, end),
  );
}

function hiddenText(text: string, out: InjectionSignal[]): void {
  TAGS.lastIndex = 0;
  for (let match = TAGS.exec(text); match !== null; match = TAGS.exec(text)) {
    out.push(signal('tag-characters', 'hidden-text', 0.9, match.index, match.index + match[0].length));
  }
  BIDI_OVERRIDE.lastIndex = 0;
  const bidi = text.match(BIDI_OVERRIDE);
  if (bidi !== null) {
    const first = text.search(BIDI_OVERRIDE);
    out.push(signal('bidi-control', 'hidden-text', bidi.length >= 2 ? 0.6 : 0.4, first, first + 1));
  }
  INVISIBLE.lastIndex = 0;
  let count = 0;
  let inWord = 0;
  let first = -1;
  for (let match = INVISIBLE.exec(text); match !== null; match = INVISIBLE.exec(text)) {
    const code = match[0].charCodeAt(0);
    // ZWJ / ZWNJ are legitimate inside emoji sequences and in scripts that need them.
    if (
      (code === 0x200c || code === 0x200d) &&
      (text.charCodeAt(match.index - 1) > 127 || text.charCodeAt(match.index + 1) > 127)
    )
      continue;
    if (code >= 0x202a && code <= 0x2069 && code !== 0x2060) continue;
    // U+FEFF is a byte-order mark or a mail client's no-break artefact far more often than a hiding
    // place; what it could hide is screened anyway once invisible characters are stripped.
    if (code === 0xfeff) continue;
    count += 1;
    if (first === -1) first = match.index;
    if (/[A-Za-z0-9]/.test(text[match.index - 1] ?? '') && /[A-Za-z0-9]/.test(text[match.index + 1] ?? ''))
      inWord += 1;
  }
  if (count >= 3 || inWord >= 2)
    out.push(signal('zero-width', 'hidden-text', count >= 8 || inWord >= 4 ? 0.75 : 0.5, first, first + 1));
}

function exfiltrationLinks(text: string, out: InjectionSignal[]): void {
  for (const pattern of [MARKDOWN_IMAGE, HTML_IMAGE]) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const url = match[1]!;
      const start = match.index;
      const end = start + match[0].length;
      if (PLACEHOLDER_QUERY.test(url))
        out.push(signal('image-exfiltration', 'exfiltration-link', 0.9, start, end));
      else if (url.includes('?') || url.length > 200)
        out.push(signal('image-with-query', 'exfiltration-link', 0.45, start, end));
    }
  }
}

// Character classes for one pass over the text: 1 = base64 body, 2 = also hex, 4 = base64url-only or padding.
const RUN_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code += 1) {
  const char = String.fromCharCode(code);
  if (/[0-9A-Fa-f]/.test(char)) RUN_CLASS[code] = 3;
  else if (/[A-Za-z+/]/.test(char)) RUN_CLASS[code] = 1;
  else if (/[=_-]/.test(char)) RUN_CLASS[code] = 4;
}

/** Base64 and hex runs (bounded lengths), found in one pass with a lookup table. */
function encodedRuns(
  text: string,
  visit: (kind: 'base64' | 'hex', start: number, end: number) => void,
): void {
  const length = text.length;
  let index = 0;
  while (index < length) {
    // Skip to the start of a run.
    let code = text.charCodeAt(index);
    while (index < length && (code >= 128 || RUN_CLASS[code] === 0)) code = text.charCodeAt(++index);
    if (index >= length) return;
    const start = index;
    let hexOnly = true;
    let plain = true;
    while (index < length) {
      code = text.charCodeAt(index);
      const kind = code < 128 ? RUN_CLASS[code]! : 0;
      if (kind === 0) break;
      if (kind !== 3) hexOnly = false;
      if (kind === 4 && code !== 61) plain = false;
      index += 1;
    }
    const end = index;
    if (!plain || end - start < 40) continue;
    // Trailing '=' padding belongs to base64; other joiners (`_`, `-`) make it something else.
    let body = end;
    while (body > start && text.charCodeAt(body - 1) === 61) body -= 1;
    if (end - body <= 2 && body - start >= 40 && body - start <= 4096 && !hexOnly)
      visit('base64', start, end);
    if (hexOnly && end - start >= 48 && end - start <= 4096 && (end - start) % 2 === 0)
      visit('hex', start, end);
  }
}

function encodedPayloads(text: string, out: InjectionSignal[]): void {
  encodedRuns(text, (kind, start, end) => {
    const run = text.slice(start, end);
    screenDecoded(kind === 'base64' ? decodeBase64(run) : decodeHex(run), kind, start, end, out);
  });
  if (!text.includes('%')) return;
  PERCENT_RUN.lastIndex = 0;
  for (let match = PERCENT_RUN.exec(text); match !== null; match = PERCENT_RUN.exec(text)) {
    screenDecoded(decodePercent(match[0]), 'percent', match.index, match.index + match[0].length, out);
  }
}

/** Strips invisible characters and spells out tag characters, so hidden instructions meet the rules. */
function reveal(text: string): string | undefined {
  INVISIBLE.lastIndex = 0;
  TAGS.lastIndex = 0;
  if (!INVISIBLE.test(text) && !TAGS.test(text)) return undefined;
  return text
    .replace(/[\u{E0000}-\u{E007F}]/gu, (tag) =>
      String.fromCharCode((tag.codePointAt(0) ?? 0xe0000) - 0xe0000),
    )
    .replace(INVISIBLE, '');
}

/**
 * Scans `text` with every built-in rule and returns the signals (offsets into `text`). Synchronous
 * and linear-time; {@link createRuleDetector} wraps it as an {@link InjectionDetector}.
 */
export function scanInjection(text: string): InjectionSignal[] {
  if (typeof text !== 'string') throw new TypeError('scanInjection(): text must be a string');
  const out: InjectionSignal[] = [];
  matchRules(text, 0, out);
  hiddenText(text, out);
  exfiltrationLinks(text, out);
  encodedPayloads(text, out);
  const revealed = reveal(text);
  if (revealed !== undefined) {
    // Instructions hidden by invisible characters: rules on the revealed text, reported over the whole text.
    const inner: InjectionSignal[] = [];
    matchRules(revealed, 0, inner);
    const known = new Set(out.map((item) => item.rule));
    for (const item of inner) {
      if (!known.has(item.rule))
        out.push({
          ...item,
          rule: `hidden:${item.rule}`,
          category: 'hidden-text',
          start: 0,
          end: text.length,
        });
    }
  }
  return out;
}

/**
 * The built-in, deterministic injection rules as a detector: instruction overrides and instructions
 * addressed to the model or its output, jailbreak personas, forged role and delimiter markers,
 * hidden text (zero-width, bidi controls, tag characters, with the hidden text itself screened),
 * encoded payloads (base64, hex, percent-encoding, decoded and screened), markdown / HTML image
 * links that carry data out, and code that exfiltrates or destroys. No network, no model.
 *
 * @example
 * ```ts
 * const screener = createScreener({ detectors: [createRuleDetector()] });
 * ```
 */
export function createRuleDetector(): InjectionDetector {
  return { name: DETECTOR, detect: scanInjection };
}
