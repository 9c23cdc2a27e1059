/**
 * What a value looks like: an e-mail address, an IBAN, a URL (or host name, or file name), a number,
 * an id (letters and digits, or parts joined by `_`, `-`, `.`), a quoted string from free text, or a
 * name (a capitalised word inside a sentence: `Alice` in "send it to Alice").
 */
export type ValueTokenKind = 'email' | 'iban' | 'url' | 'number' | 'id' | 'quoted' | 'name';

/** One whole value found in free text, in its normalised form (see `normalizeValue`). */
export interface ValueToken {
  readonly kind: ValueTokenKind;
  readonly value: string;
}

const EMAIL = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+$/u;
const EMAIL_INSIDE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// A host of at least two labels whose last one is alphabetic (`www.x.com`, `notes.txt`), with an
// optional scheme, port and path. A bare word is never a URL.
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}(?::\d{1,5})?(?:[/?#][^\s]*)?$/u;
const URL_INSIDE =
  /(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}(?::\d{1,5})?(?:[/?#][^\s"'<>()[\]{}]*)?/gu;
const SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/;
const IBAN = /^[a-z]{2}\d{2}[a-z0-9]{11,30}$/;
const SPACED_IBAN = /\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?\b/g;
const NUMBER = /^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;
// An id holds a digit, or joins letter-or-digit parts with `_`: `T-42`, `O_7`, `2022-01-01`,
// `1a7b3d`, `External_0`. A plain word (`about`, `the`) never is one.
const ID = /^[\p{L}\p{N}]+(?:[_\-.:/#][\p{L}\p{N}]+)*$/u;
const DIGIT = /\p{N}/u;
// A capitalised word (`Alice`, `Dora`); a name only inside a sentence, not where any word is capitalised.
const NAME = /^\p{Lu}\p{Ll}+$/u;
const SENTENCE_END = /[.!?:;]$|^\d+[.)]$/;
const LETTER = /\p{L}/u;
// Punctuation that surrounds a value in prose but is not part of it.
const EDGE = /^[\s"'`“”‘’«»()[\]{}<>,.;:!?*_~|\\]+|[\s"'`“”‘’«»()[\]{}<>,.;:!?*_~|\\]+$/gu;
const QUOTED =
  /(?<![\p{L}\p{N}])(?:'([^'\n]{1,200})'|"([^"\n]{1,200})"|`([^`\n]{1,200})`|‘([^’\n]{1,200})’|“([^”\n]{1,200})”)(?![\p{L}\p{N}])/gu;
const MAX_TEXT = 1_000_000;

/**
 * The normalised form of one whole value, the form in which provenance compares values: Unicode
 * NFKC, case-folded, trimmed, inner whitespace collapsed; a URL loses its scheme and a trailing `/`;
 * an IBAN loses its spaces; a number (or a string holding only a number, `1,050.00`) becomes its
 * shortest decimal form (`1050`). Returns `undefined` for anything that is not a non-empty string or
 * a finite number.
 *
 * @example
 * ```ts
 * normalizeValue('https://WWW.Example.com/'); // 'www.example.com'
 * normalizeValue('GB29 NWBK 6016 1331 9268 19'); // 'gb29nwbk60161331926819'
 * normalizeValue(98.70); // '98.7'
 * ```
 */
export function normalizeValue(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
  if (text === '') return undefined;
  if (NUMBER.test(text)) return String(Number(text.replace(/,/g, '')));
  const compact = text.replace(/ /g, '');
  if (text.includes(' ') && IBAN.test(compact)) return compact;
  if (SCHEME_URL.test(text)) return stripUrl(text.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''));
  if (URL_LIKE.test(text)) return stripUrl(text);
  return text;
}

function stripUrl(text: string): string {
  return text.length > 1 && text.endsWith('/') ? text.slice(0, -1) : text;
}

/**
 * The whole values written in free text (a user's message, a document, an e-mail body): e-mail
 * addresses, IBANs (also written in groups of four), URLs and host names, numbers, ids, strings in
 * quotes and names (a capitalised word inside a sentence), each normalised. Other words are not
 * values: `about` or `the` never come out, nor `Please` opening a sentence, and a value is
 * found only whole (`bob@x.example` is not found in `alice.bob@x.example`, `100` not in `1000`).
 *
 * @example
 * ```ts
 * valueTokens("Pay 'bill-2023.txt' to GB29NWBK60161331926819, then mail bob@x.example.");
 * // [quoted bill-2023.txt, iban gb29nwbk60161331926819, email bob@x.example, ...]
 * ```
 */
export function valueTokens(text: string): ValueToken[] {
  if (typeof text !== 'string') return [];
  const source = (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text).normalize('NFKC');
  const found = new Map<string, ValueTokenKind>();
  const add = (kind: ValueTokenKind, raw: string): void => {
    const value = normalizeValue(raw);
    if (value !== undefined && !found.has(value)) found.set(value, kind);
  };
  for (const match of source.matchAll(QUOTED)) {
    const inner = match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5];
    if (inner !== undefined && inner.trim() !== '') add('quoted', inner);
  }
  for (const match of source.matchAll(SPACED_IBAN)) add('iban', match[0]);
  let previous = '';
  for (const chunk of source.split(/\s+/).flatMap(splitRunOnSentence)) {
    const before = previous;
    previous = chunk;
    const word = chunk.replace(EDGE, '');
    if (word === '') continue;
    const kind = classify(word);
    if (kind !== undefined) {
      add(kind, word);
      continue;
    }
    if (NAME.test(word) && before !== '' && !SENTENCE_END.test(before)) {
      add('name', word);
      continue;
    }
    // `to:bob@x.example`, `(see www.x.com)`: a value inside a longer chunk.
    for (const match of word.matchAll(EMAIL_INSIDE)) if (atBoundary(word, match)) add('email', match[0]);
    for (const match of word.matchAll(URL_INSIDE)) {
      if (atBoundary(word, match) && !match[0].includes('@')) add('url', match[0].replace(EDGE, ''));
    }
  }
  return [...found].map(([value, kind]) => ({ kind, value }));
}

/**
 * `www.x.example.They` is a host name followed by a sentence whose space is missing: split it, so the
 * host is found whole. Only when what precedes the dot is itself a host name.
 */
function splitRunOnSentence(chunk: string): string[] {
  const join = /\.(?=\p{Lu}\p{Ll})/u.exec(chunk);
  if (join === null) return [chunk];
  const head = chunk.slice(0, join.index);
  if (!URL_LIKE.test(head.toLowerCase())) return [chunk];
  return [`${head}.`, ...splitRunOnSentence(chunk.slice(join.index + 1))];
}

/** The kind of one chunk of text taken whole, or `undefined` for a word that is not a value. */
function classify(word: string): ValueTokenKind | undefined {
  const lower = word.toLowerCase();
  if (EMAIL.test(lower)) return 'email';
  if (IBAN.test(lower)) return 'iban';
  if (NUMBER.test(lower)) return 'number';
  if (SCHEME_URL.test(lower) || URL_LIKE.test(lower)) return 'url';
  if (ID.test(word) && (DIGIT.test(word) || word.includes('_')) && word.length >= 2) return 'id';
  return undefined;
}

function atBoundary(word: string, match: RegExpMatchArray): boolean {
  const start = match.index ?? 0;
  const end = start + match[0].length;
  const before = start === 0 ? '' : (word[start - 1] as string);
  // `x.bob@example.com` must not yield `bob@example.com`, nor `bob@x.example` the host `x.example`.
  if (before !== '' && /[\p{L}\p{N}._%+@-]/u.test(before)) return false;
  const after = word[end];
  if (after === undefined) return true;
  // `bob@x.example:25` is a longer value than `bob@x.example`; `bob@x.example.` ends a sentence.
  if (/[\p{L}\p{N}_@+\-/%]/u.test(after)) return false;
  return !(/[.:]/.test(after) && /[\p{L}\p{N}]/u.test(word[end + 1] ?? ''));
}

/**
 * Whether a token names something specific enough to be traced inside a longer text: an e-mail, an
 * IBAN, a URL, a quoted string, or an id that mixes letters and digits. Plain numbers and dates are
 * too common to say where a text came from, so they count only as whole values.
 */
export function isDistinctiveToken(token: ValueToken): boolean {
  if (token.kind === 'number' || token.kind === 'name') return false;
  if (token.kind === 'id') return LETTER.test(token.value) && DIGIT.test(token.value);
  return true;
}
