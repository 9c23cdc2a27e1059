/**
 * The default secret detector: credentials that must never reach telemetry, an audit record or a
 * model (cloud keys, service tokens, bearer tokens and JWTs, private keys, passwords in URLs, card
 * numbers).
 *
 * Every pattern runs in time linear in the text. Two rules keep the backtracking regular-expression
 * engine from going quadratic on hostile input, and every detector added to the list must keep them:
 *
 * 1. A pattern starts only at the beginning of a run of its token characters (a lookbehind for a
 *    character outside the run, or a literal the run cannot contain), so a failed attempt is never
 *    retried from inside the same run.
 * 2. Every repeated character class is followed by a character outside that class (or by a lookahead
 *    that ends the token), so the engine has only one way to split the text between the parts.
 *
 * A detector names the secret part with the named group `secret`; without it, the whole match is
 * the secret (context words such as `aws_secret_access_key=` stay readable in redacted text).
 */

/** One kind of secret the detector looks for. */
export interface SecretDetector {
  /** Stable identifier, reported in matches (`aws-access-key-id`, `jwt`, ...). */
  readonly id: string;
  /** What the detector finds, in a few words. */
  readonly description: string;
  /**
   * A global (`g`) pattern following the linear-time rules above. When it has a named group
   * `secret`, only that group is the secret.
   */
  readonly pattern: RegExp;
  /** A check on the secret's text that a pattern cannot express (a Luhn checksum); `false` drops the match. */
  readonly validate?: ((secret: string) => boolean) | undefined;
}

/** One secret found in a text. */
export interface SecretMatch {
  /** The `id` of the detector that found it. */
  readonly detector: string;
  /** Index of the secret's first character in the text. */
  readonly start: number;
  /** Index just past the secret's last character. */
  readonly end: number;
}

/** Options of {@link findSecrets}. */
export interface FindSecretsOptions {
  /** The detectors to run; {@link DEFAULT_SECRET_DETECTORS} when omitted. */
  readonly detectors?: readonly SecretDetector[] | undefined;
}

/** Options of {@link redactSecrets}. */
export interface RedactSecretsOptions extends FindSecretsOptions {
  /** What a secret is replaced with: a fixed text (`"[REDACTED]"` by default) or one per match. */
  readonly replacement?: string | ((match: SecretMatch) => string) | undefined;
}

/** What {@link redactSecrets} puts in place of a secret unless told otherwise. */
export const REDACTED_SECRET = '[REDACTED]';

/** Luhn checksum over the digits of `text` (separators ignored). */
function luhn(text: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let index = text.length - 1; index >= 0; index--) {
    const code = text.charCodeAt(index) - 48;
    if (code < 0 || code > 9) continue;
    digits++;
    let value = code;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return digits >= 13 && digits <= 19 && sum % 10 === 0;
}

/**
 * A non-global copy of a default detector's pattern. `test()` on a non-global pattern neither reads
 * nor writes `lastIndex`, so one shared copy answers "is there any match?" without allocating;
 * most texts have no secret, and the full search runs only when this says there is one.
 */
const PROBE = Symbol('palisade.secret-detector.probe');

function detector(
  id: string,
  description: string,
  pattern: RegExp,
  validate?: (secret: string) => boolean,
): SecretDetector {
  if (!pattern.global) throw new TypeError(`secret detector "${id}": the pattern must have the g flag`);
  const probe = new RegExp(pattern.source, pattern.flags.replace('g', ''));
  const created = { id, description, pattern, validate };
  Object.defineProperty(created, PROBE, { value: probe, enumerable: false });
  return Object.freeze(created);
}

/**
 * The detectors Palisade runs by default, in a stable order. Extend it by spreading it into a new
 * list: `findSecrets(text, { detectors: [...DEFAULT_SECRET_DETECTORS, mine] })`.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 * @see https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
 */
export const DEFAULT_SECRET_DETECTORS: readonly SecretDetector[] = Object.freeze([
  detector(
    'pem-private-key',
    'PEM / OpenSSH / PGP private key block (the whole block, or up to the next armour line when truncated)',
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[^-]*(?:-(?!----)[^-]*)*(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?/g,
  ),
  detector(
    'jwt',
    'JSON Web Token (JWS compact form: header.payload.signature)',
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  ),
  detector(
    'bearer-token',
    'the credential of an HTTP Bearer authorisation',
    /(?<![A-Za-z0-9])[Bb]earer[ \t]+(?<secret>[A-Za-z0-9._~+/-]{16,}=*)/g,
  ),
  detector(
    'basic-auth',
    'the credential of an HTTP Basic authorisation header',
    /(?<![A-Za-z0-9])[Aa]uthorization["']?[ \t]*[:=][ \t]*["']?[Bb]asic[ \t]+(?<secret>[A-Za-z0-9+/]{8,}={0,2})/g,
  ),
  detector(
    'url-password',
    'the password of a URL with credentials (scheme://user:password@host)',
    /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@]*:(?<secret>[^\s/?#@]+)@/g,
  ),
  detector(
    'aws-access-key-id',
    'AWS access key id (long-term AKIA, temporary ASIA, and the other documented prefixes)',
    /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  ),
  detector(
    'aws-secret-access-key',
    'AWS secret access key, next to a name that says so (aws_secret_access_key=..., "SecretAccessKey": ...)',
    /(?<![A-Za-z0-9])(?:aws[_ .-]?)?secret[_ .-]?(?:access[_ .-]?)?key["']?[ \t]*[:=][ \t]*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  ),
  detector(
    'gcp-api-key',
    'Google Cloud / Firebase API key',
    /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  ),
  detector(
    'gcp-oauth-token',
    'Google OAuth access or refresh token',
    /(?<![A-Za-z0-9_-])(?:ya29\.[0-9A-Za-z_-]{20,}|1\/\/0[0-9A-Za-z_-]{30,})/g,
  ),
  detector(
    'azure-storage-key',
    'Azure storage account key in a connection string',
    /(?<![A-Za-z0-9])AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)/g,
  ),
  detector(
    'azure-client-secret',
    'Microsoft Entra (Azure AD) client secret',
    /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
  ),
  detector(
    'azure-sas-signature',
    'the signature of an Azure shared access signature (sig=...)',
    /(?<![A-Za-z0-9])(?:SharedAccessSignature=[^\s;]*?|[?&])sig=(?<secret>[A-Za-z0-9%+/]{20,}=*)/g,
  ),
  detector(
    'github-token',
    'GitHub personal access, OAuth, app and refresh token',
    /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?![A-Za-z0-9_])/g,
  ),
  detector(
    'gitlab-token',
    'GitLab personal, project, deploy, runner and CI job token',
    /(?<![A-Za-z0-9_-])(?:glpat|gldt|glrt|glcbt|glptt|glft|glsoat|glimt|glagent)-[A-Za-z0-9_-]{20,}/g,
  ),
  detector(
    'slack-token',
    'Slack bot, user, app and configuration token',
    /(?<![A-Za-z0-9-])xox[abposre]-[A-Za-z0-9-]{10,}/g,
  ),
  detector(
    'slack-webhook',
    'Slack incoming-webhook URL',
    /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9/_]{20,})/g,
  ),
  detector(
    'stripe-key',
    'Stripe secret or restricted key (live or test)',
    /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}(?![A-Za-z0-9_])/g,
  ),
  detector(
    'openai-style-key',
    'OpenAI / Anthropic style API key (sk-..., sk-proj-..., sk-ant-...)',
    /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g,
  ),
  detector(
    'card-number',
    'payment card number (13-19 digits, optional spaces or dashes, Luhn-valid, a card-network prefix)',
    /(?<![0-9])[2-6][0-9](?:[ -]?[0-9]){11,17}(?![0-9])/g,
    luhn,
  ),
]);

/**
 * Finds the secrets in `text`, in order of position (overlapping matches from different detectors
 * are all reported).
 *
 * @example
 * ```ts
 * findSecrets('key=AKIAIOSFODNN7EXAMPLE');
 * // [{ detector: 'aws-access-key-id', start: 4, end: 24 }]
 * ```
 * @see redactSecrets
 */
export function findSecrets(text: string, options: FindSecretsOptions = {}): SecretMatch[] {
  if (typeof text !== 'string') throw new TypeError('findSecrets(): text must be a string');
  const detectors = options.detectors ?? DEFAULT_SECRET_DETECTORS;
  const matches: SecretMatch[] = [];
  for (const current of detectors) {
    const probe = (current as { [PROBE]?: RegExp })[PROBE];
    if (probe !== undefined && !probe.test(text)) continue;
    // matchAll works on a copy of the pattern, so the shared RegExp's lastIndex never changes.
    for (const found of text.matchAll(current.pattern)) {
      const secret = found.groups?.secret;
      const start = secret === undefined ? found.index : found.index + found[0].lastIndexOf(secret);
      const value = secret ?? found[0];
      if (value.length === 0) continue;
      if (current.validate !== undefined && !current.validate(value)) continue;
      matches.push({ detector: current.id, start, end: start + value.length });
    }
  }
  return matches.sort((left, right) => left.start - right.start || right.end - left.end);
}

/**
 * Returns `text` with every secret {@link findSecrets} finds replaced (overlapping secrets are
 * replaced once, as one span). Text without secrets is returned unchanged.
 *
 * @example
 * ```ts
 * redactSecrets('postgres://app:s3cret@db.internal/app');
 * // 'postgres://app:[REDACTED]@db.internal/app'
 * ```
 * @see findSecrets
 */
export function redactSecrets(text: string, options: RedactSecretsOptions = {}): string {
  const matches = findSecrets(text, options);
  if (matches.length === 0) return text;
  const replacement = options.replacement ?? REDACTED_SECRET;
  let result = '';
  let cursor = 0;
  let current: SecretMatch | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    result += text.slice(cursor, current.start);
    result += typeof replacement === 'string' ? replacement : replacement(current);
    cursor = current.end;
  };
  for (const match of matches) {
    if (current !== undefined && match.start < current.end) {
      if (match.end > current.end) current = { ...current, end: match.end };
      continue;
    }
    flush();
    current = match;
  }
  flush();
  return result + text.slice(cursor);
}
