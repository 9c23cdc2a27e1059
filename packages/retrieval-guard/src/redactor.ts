import { DEFAULT_SECRET_DETECTORS, type SecretDetector } from '@palisade/core';
import { ENTITY_TYPES, type EntityDetector, type EntityFinding, type EntityType } from './entity.js';
import { createNameFinder } from './internal/name-detector.js';
import { scanSecrets } from './internal/secret-scan.js';
import { findEmails, findIbans, findIpAddresses, findNumbers } from './internal/structured-detectors.js';
import { hmacHex } from './internal/web-crypto.js';
import type { WebCryptoKey } from './web-crypto-key.js';

/** What a redacted value becomes: `[REDACTED:email]`, a keyed hash `[email:3f9a…]`, or nothing. */
export type RedactionMode = 'mask' | 'hash' | 'remove';

/** Which entity types to redact and how, for all content or for one classification. */
export interface RedactionRule {
  /** Types to redact; every built-in type the redactor knows when omitted. */
  readonly entities?: readonly (EntityType | (string & {}))[] | undefined;
  /** How to redact (default `mask`). */
  readonly mode?: RedactionMode | undefined;
  /** A mode per type, overriding `mode`. */
  readonly modes?: Readonly<Partial<Record<EntityType | (string & {}), RedactionMode>>> | undefined;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions extends RedactionRule {
  /** Person names to find (whole words, case-insensitive). `person` is only detected with a list. */
  readonly names?: readonly string[] | undefined;
  /** Detectors for further types, run beside the built-in ones. */
  readonly detectors?: readonly EntityDetector[] | undefined;
  /**
   * Secret detectors (default: core's {@link DEFAULT_SECRET_DETECTORS} less its card rule, which
   * the `credit-card` type covers).
   */
  readonly secretDetectors?: readonly SecretDetector[] | undefined;
  /** Rules per document classification (`metadata.classification`), replacing the default rule. */
  readonly classifications?: Readonly<Record<string, RedactionRule>> | undefined;
  /**
   * HMAC-SHA-256 key for `hash` mode, so equal values hash alike without being recoverable; a
   * random key per redactor when omitted.
   */
  readonly hashKey?: WebCryptoKey | undefined;
}

/** The outcome of one redaction: the new text and what was replaced (types and offsets only). */
export interface RedactionResult {
  readonly text: string;
  /** Findings in the original text, sorted, non-overlapping. */
  readonly findings: readonly EntityFinding[];
}

/** Finds and replaces sensitive values. Created once by {@link createRedactor}, then shared. */
export interface Redactor {
  /** The sensitive values in `text`, sorted by position, overlaps resolved (secrets first). */
  find(text: string, options?: { classification?: string | undefined }): EntityFinding[];
  /** `text` with its sensitive values replaced per the rule for `classification`. */
  redact(text: string, options?: { classification?: string | undefined }): Promise<RedactionResult>;
}

const PRIORITY = new Map<string, number>(ENTITY_TYPES.map((type, index) => [type, index]));
const DEFAULT_ENTITIES: readonly EntityType[] = ENTITY_TYPES;

interface CompiledRule {
  readonly entities: ReadonlySet<string>;
  readonly mode: RedactionMode;
  readonly modes: Readonly<Partial<Record<string, RedactionMode>>>;
}

function compileRule(rule: RedactionRule, where: string): CompiledRule {
  const mode = rule.mode ?? 'mask';
  if (mode !== 'mask' && mode !== 'hash' && mode !== 'remove')
    throw new TypeError(`createRedactor(): ${where}.mode must be mask, hash or remove`);
  for (const [type, value] of Object.entries(rule.modes ?? {})) {
    if (value !== 'mask' && value !== 'hash' && value !== 'remove')
      throw new TypeError(`createRedactor(): ${where}.modes.${type} must be mask, hash or remove`);
  }
  if (rule.entities !== undefined && !Array.isArray(rule.entities))
    throw new TypeError(`createRedactor(): ${where}.entities must be an array`);
  return { entities: new Set(rule.entities ?? DEFAULT_ENTITIES), mode, modes: rule.modes ?? {} };
}

/** Keeps the earliest-starting finding; on overlap the higher-priority (then longer) one wins. */
function resolveOverlaps(findings: EntityFinding[]): EntityFinding[] {
  findings.sort(
    (left, right) =>
      left.start - right.start ||
      (PRIORITY.get(left.type) ?? 99) - (PRIORITY.get(right.type) ?? 99) ||
      right.end - left.end,
  );
  const kept: EntityFinding[] = [];
  for (const finding of findings) {
    const last = kept[kept.length - 1];
    if (last === undefined || finding.start >= last.end) {
      kept.push(finding);
      continue;
    }
    const lastRank = PRIORITY.get(last.type) ?? 99;
    const rank = PRIORITY.get(finding.type) ?? 99;
    if (rank < lastRank || (rank === lastRank && finding.end - finding.start > last.end - last.start)) {
      kept[kept.length - 1] = {
        ...finding,
        start: Math.min(finding.start, last.start),
        end: Math.max(finding.end, last.end),
      };
    } else if (finding.end > last.end) {
      kept[kept.length - 1] = { ...last, end: finding.end };
    }
  }
  return kept;
}

/**
 * Creates a redactor for e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod-97), US
 * SSNs, IPv4/IPv6 addresses, person names from a list, and secrets (core's default secret detector:
 * cloud keys, tokens, JWTs, private keys, passwords in URLs). Every pattern is linear-time.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ names: ['Dana Reyes'], modes: { email: 'hash' } });
 * const { text } = await redactor.redact('Dana Reyes <dana@customer.example>, card 4111 1111 1111 1111');
 * // '[REDACTED:person] <[email:…]>, card [REDACTED:credit-card]'
 * ```
 * @see createOutputGuard
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createRedactor(): options must be an object');
  const base = compileRule(options, 'options');
  const classifications = new Map<string, CompiledRule>();
  for (const [name, rule] of Object.entries(options.classifications ?? {})) {
    classifications.set(name, compileRule(rule, `classifications.${name}`));
  }
  const findNames = createNameFinder(options.names ?? []);
  const secretDetectors =
    options.secretDetectors ?? DEFAULT_SECRET_DETECTORS.filter((detector) => detector.id !== 'card-number');
  const extra = [...(options.detectors ?? [])];
  for (const detector of extra) {
    if (typeof detector?.find !== 'function')
      throw new TypeError('createRedactor(): detectors must have find()');
  }
  let keyPromise: Promise<WebCryptoKey> | undefined;
  const hashKey = (): Promise<WebCryptoKey> => {
    keyPromise ??=
      options.hashKey !== undefined
        ? Promise.resolve(options.hashKey)
        : crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return keyPromise;
  };

  const ruleFor = (classification: string | undefined): CompiledRule =>
    (classification !== undefined ? classifications.get(classification) : undefined) ?? base;

  const find = (text: string, findOptions: { classification?: string | undefined } = {}): EntityFinding[] => {
    if (typeof text !== 'string') throw new TypeError('redactor.find(): text must be a string');
    const wanted = ruleFor(findOptions.classification).entities;
    const found: EntityFinding[] = [];
    if (wanted.has('secret')) {
      for (const match of scanSecrets(text, secretDetectors)) {
        found.push({ type: 'secret', rule: match.detector, start: match.start, end: match.end });
      }
    }
    if (wanted.has('email')) findEmails(text, found);
    if (wanted.has('iban')) findIbans(text, found);
    if (wanted.has('ip-address')) findIpAddresses(text, found);
    if (wanted.has('credit-card') || wanted.has('us-ssn') || wanted.has('phone')) {
      findNumbers(text, found, {
        card: wanted.has('credit-card'),
        ssn: wanted.has('us-ssn'),
        phone: wanted.has('phone'),
      });
    }
    if (wanted.has('person')) findNames(text, found);
    for (const detector of extra) {
      if (!wanted.has(detector.type)) continue;
      for (const finding of detector.find(text)) found.push(finding);
    }
    return resolveOverlaps(found);
  };

  return {
    find,
    async redact(text, redactOptions = {}) {
      const findings = find(text, redactOptions);
      if (findings.length === 0) return { text, findings };
      const rule = ruleFor(redactOptions.classification);
      let result = '';
      let cursor = 0;
      for (const finding of findings) {
        result += text.slice(cursor, finding.start);
        const mode = rule.modes[finding.type] ?? rule.mode;
        if (mode === 'mask') result += `[REDACTED:${finding.type}]`;
        else if (mode === 'hash') {
          const digest = await hmacHex(await hashKey(), text.slice(finding.start, finding.end));
          result += `[${finding.type}:${digest.slice(0, 16)}]`;
        }
        cursor = finding.end;
      }
      return { text: result + text.slice(cursor), findings };
    },
  };
}
