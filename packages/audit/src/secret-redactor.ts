import { DEFAULT_SECRET_DETECTORS, redactSecrets, type SecretDetector } from '@palisade/core';
import { type ContentRedactor, REDACTED } from './field-redactor.js';

/** Options of `createSecretRedactor`. */
export interface SecretRedactorOptions {
  /** The detectors to run; `DEFAULT_SECRET_DETECTORS` of `@palisade/core` when omitted. */
  readonly detectors?: readonly SecretDetector[] | undefined;
}

/** Last words of a field name that say its value is a credential (`apiKey`, `card_pin`, `x-auth-token`). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'pin',
  'cvv',
  'cvc',
  'ssn',
  'cookie',
  'authorization',
  'credential',
  'credentials',
]);
const SECRET_PAIRS = new Set([
  'api key',
  'access key',
  'private key',
  'secret key',
  'signing key',
  'session id',
]);

/**
 * True when a field's name says it holds a credential, whatever its value looks like: its last word
 * (camelCase, snake_case and kebab-case are split) is `password`, `secret`, `token`, `pin`, `cvv`,
 * `cookie`, `authorization`, `credential(s)`..., or its last two are `api key`, `access key`,
 * `private key`, `secret key`, `signing key` or `session id`.
 *
 * @example
 * ```ts
 * isSecretFieldName('clientSecret'); // true
 * isSecretFieldName('maxTokens'); // false
 * ```
 */
export function isSecretFieldName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const last = words.at(-1);
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  return words.length > 1 && SECRET_PAIRS.has(`${words.at(-2)} ${last}`);
}

/**
 * Creates a redactor that removes secrets wherever they are in a value: every string (and number)
 * is searched with the secret detectors (cloud keys, service tokens, bearer tokens and JWTs, private
 * keys, passwords in URLs, card numbers) and the secret part replaced with `"[REDACTED]"`; a field
 * whose name says it is a credential (`password`, `apiKey`, `client_secret`, `pin`, ...) is replaced
 * whole. Content capture always applies it, after the named fields.
 *
 * @example
 * ```ts
 * createSecretRedactor().redact({ url: 'postgres://app:hunter2@db/app', apiKey: 'x' }, { tool: 't', field: 'input' });
 * // { url: 'postgres://app:[REDACTED]@db/app', apiKey: '[REDACTED]' }
 * ```
 */
export function createSecretRedactor(options: SecretRedactorOptions = {}): ContentRedactor {
  const detectors = options.detectors ?? DEFAULT_SECRET_DETECTORS;
  if (!Array.isArray(detectors)) throw new TypeError('createSecretRedactor(): detectors must be an array');
  const clean = (text: string): string => redactSecrets(text, { detectors, replacement: REDACTED });
  return {
    redact(value) {
      return redactValue(value, clean, new Set());
    },
  };
}

function redactValue(value: unknown, clean: (text: string) => string, seen: Set<object>): unknown {
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return clean(text) === text ? value : REDACTED;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, clean, seen));
    const source =
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
        ? (value as { toJSON(): unknown }).toJSON()
        : value;
    if (typeof source !== 'object' || source === null) return redactValue(source, clean, seen);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      copy[key] =
        isSecretFieldName(key) && item !== null && item !== undefined && item !== ''
          ? REDACTED
          : redactValue(item, clean, seen);
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}
