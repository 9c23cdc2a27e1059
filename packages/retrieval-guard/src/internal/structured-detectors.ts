import type { EntityFinding } from '../entity.js';
import { ibanValid, luhnValid } from './checksums.js';

// Every pattern below has bounded quantifiers only, so each match attempt does bounded work and a
// scan is linear in the text's length (no catastrophic backtracking on adversarial input).

const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
const EMAIL_DOMAIN =
  /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

/** E-mail addresses, found from each `@` outwards (cheap on text without one). */
export function findEmails(text: string, out: EntityFinding[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    const limit = Math.max(0, at - 64);
    while (start > limit && EMAIL_LOCAL.test(text[start - 1]!)) start -= 1;
    // A local part does not start or end with a dot.
    while (start < at && text[start] === '.') start += 1;
    if (start < at && text[at - 1] !== '.') {
      EMAIL_DOMAIN.lastIndex = at + 1;
      const domain = EMAIL_DOMAIN.exec(text);
      if (domain !== null) {
        const end = at + 1 + domain[0].length;
        out.push({ type: 'email', rule: 'email', start, end });
        at = text.indexOf('@', end);
        continue;
      }
    }
    at = text.indexOf('@', at + 1);
  }
}

/**
 * Number-shaped runs: digits with the separators phone numbers, cards and SSNs are written with.
 * Starts at a digit, `+` or `(`; not preceded by a letter, digit or joining punctuation.
 */
const NUMBER_RUN =
  /(?<![\p{L}\p{N}_+\-./@:])(?:\+|00)?(?:\(\d{1,4}\)[ .-]?)?\d(?:[ .\-/]{0,2}\(?\d{1,6}\)?){1,10}(?:[ ]{0,2}(?:x|ext\.?|#)[ ]{0,2}\d{1,6})?(?![\p{L}\p{N}_@]|[.,\-/:]\p{N})/gu;
const SSN = /^(\d{3})[- ](\d{2})[- ](\d{4})$/;
const CARD_SHAPE = /^\d{4}(?:[ -]?\d{2,7}){1,4}$|^\d{12,19}$/;
const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const RANGE_SHAPE = /^\d{1,4}[ ]?[-/][ ]?\d{1,4}$/;

function ssnValid(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/**
 * Cards (Luhn), US SSNs and phone numbers from one scan of the number-shaped runs: a run is a card
 * when its 12-19 digits pass Luhn, an SSN when it has the 3-2-4 shape and valid parts, else a phone
 * number when it has 7-15 digits and does not look like a date, a range or a decimal.
 */
export function findNumbers(
  text: string,
  out: EntityFinding[],
  wanted: { card: boolean; ssn: boolean; phone: boolean },
): void {
  NUMBER_RUN.lastIndex = 0;
  for (let match = NUMBER_RUN.exec(text); match !== null; match = NUMBER_RUN.exec(text)) {
    let run = match[0];
    let digitCount = 0;
    for (let index = 0; index < run.length; index += 1) {
      const code = run.charCodeAt(index);
      if (code >= 48 && code <= 57) digitCount += 1;
    }
    // Every type here has seven digits or more; most numbers in text (dates, amounts) stop here.
    if (digitCount < 7) continue;
    // Trailing separators are not part of the number.
    while (/[ .\-/]$/.test(run)) run = run.slice(0, -1);
    const start = match.index;
    const end = start + run.length;
    const digits = run.replace(/\D/g, '');
    const ssn = SSN.exec(run);
    if (ssn !== null) {
      if (wanted.ssn && ssnValid(ssn[1]!, ssn[2]!, ssn[3]!))
        out.push({ type: 'us-ssn', rule: 'us-ssn', start, end });
      continue;
    }
    const plainRun = run.replace(/(?:x|ext\.?|#)[ ]{0,2}\d{1,6}$/, '').trim();
    if (digits.length >= 12 && digits.length <= 19 && CARD_SHAPE.test(plainRun) && luhnValid(digits)) {
      if (wanted.card) out.push({ type: 'credit-card', rule: 'luhn', start, end });
      continue;
    }
    if (!wanted.phone) continue;
    const core = plainRun.replace(/^(?:\+|00)/, '');
    const coreDigits = core.replace(/\D/g, '');
    if (coreDigits.length < 7 || coreDigits.length > 15) continue;
    if (DATE_SHAPE.test(core) || RANGE_SHAPE.test(core)) continue;
    // A dot-separated run needs three or more groups (`555.555.5555`), else it is a decimal.
    if (!/[ \-()/]/.test(core) && core.includes('.') && core.split('.').length < 3) continue;
    // An unseparated run of digits is a phone number only at the lengths numbers are dialled with.
    if (/^\d+$/.test(core) && (coreDigits.length < 10 || coreDigits.length > 13) && !run.startsWith('+'))
      continue;
    // Two space-separated groups followed by a word read as a house number and more of an address
    // ("17151 2450 Crown St"); a phone number is followed by punctuation, a line end or a verb.
    if (/^\d{1,6} \d{1,6}$/.test(core) && /^ {1,2}\p{Lu}/u.test(text.slice(end, end + 3))) continue;
    out.push({ type: 'phone', rule: 'phone', start, end });
  }
}

const IBAN_RUN =
  /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?(?![\p{L}\p{N}])/gu;

/** IBANs: two letters, two check digits, the account; kept only when the mod-97 check passes. */
export function findIbans(text: string, out: EntityFinding[]): void {
  IBAN_RUN.lastIndex = 0;
  for (let match = IBAN_RUN.exec(text); match !== null; match = IBAN_RUN.exec(text)) {
    const compact = match[0].replace(/ /g, '');
    if (ibanValid(compact))
      out.push({ type: 'iban', rule: 'iban', start: match.index, end: match.index + match[0].length });
  }
}

const IPV4 =
  /(?<![\p{N}.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\p{N}]|\.\p{N})/gu;
const IPV6_CHAR = /[0-9A-Fa-f:.]/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

function ipv6Valid(candidate: string): boolean {
  let address = candidate;
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    // An embedded IPv4 tail (`::ffff:192.0.2.1`) stands for the last two hextets.
    const tail = address.slice(lastColon + 1);
    if (!/^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(tail))
      return false;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const count = groups.reduce((total, part) => total + part.length, 0);
  if (!groups.every((part) => part.every((group) => HEXTET.test(group)))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}

/** IPv4 (dotted quad, each part 0-255) and IPv6 (full, compressed, IPv4-embedded) addresses. */
export function findIpAddresses(text: string, out: EntityFinding[]): void {
  IPV4.lastIndex = 0;
  for (let match = IPV4.exec(text); match !== null; match = IPV4.exec(text)) {
    out.push({ type: 'ip-address', rule: 'ipv4', start: match.index, end: match.index + match[0].length });
  }
  // IPv6: expand around each colon over the characters an address can hold (linear: the scan
  // resumes after each run).
  let colon = text.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > 0 && IPV6_CHAR.test(text[start - 1]!)) start -= 1;
    let end = colon + 1;
    while (end < text.length && IPV6_CHAR.test(text[end]!)) end += 1;
    let candidate = text.slice(start, end);
    // A trailing dot or colon ends a sentence or a label, not the address.
    while (/[.:]$/.test(candidate) && !candidate.endsWith('::')) candidate = candidate.slice(0, -1);
    const before = text[start - 1] ?? ' ';
    const after = text[start + candidate.length] ?? ' ';
    if (
      candidate.length >= 2 &&
      candidate.length <= 45 &&
      !/[\p{L}\p{N}_]/u.test(before) &&
      !/[\p{L}\p{N}_]/u.test(after) &&
      (candidate.match(/:/g)?.length ?? 0) >= 2 &&
      ipv6Valid(candidate)
    )
      out.push({ type: 'ip-address', rule: 'ipv6', start, end: start + candidate.length });
    colon = text.indexOf(':', Math.max(end, colon + 1));
  }
}
