import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECRET_DETECTORS,
  findSecrets,
  REDACTED_SECRET,
  redactSecrets,
  type SecretDetector,
} from './detect-secrets.js';

// Fixtures are assembled from parts so that this file itself does not look like it leaks credentials.
const join = (...parts: string[]): string => parts.join('');
const AWS_ID = join('AKIA', 'IOSFODNN7', 'EXAMPLE');
const AWS_SECRET = join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY');
const JWT = join(
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ',
  '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
);
const PEM = join(
  '-----BEGIN RSA PRIVATE KEY-----\n',
  'MIIEowIBAAKCAQEA7bq98+Xz\nq1w2e3r4t5y6u7i8o9p0==\n',
  '-----END RSA PRIVATE KEY-----',
);

const positives: Array<[string, string, string]> = [
  ['aws-access-key-id', `key id ${AWS_ID} here`, AWS_ID],
  ['aws-access-key-id', `temporary ${join('ASIA', 'Y34FZKBOKMUTVV7A')}`, join('ASIA', 'Y34FZKBOKMUTVV7A')],
  ['aws-secret-access-key', `aws_secret_access_key = ${AWS_SECRET}`, AWS_SECRET],
  ['aws-secret-access-key', `{"SecretAccessKey": "${AWS_SECRET}"}`, AWS_SECRET],
  [
    'gcp-api-key',
    `key=${join('AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY')}`,
    join('AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'),
  ],
  [
    'gcp-oauth-token',
    `token ${join('ya29.', 'a0AfH6SMBx9vQ3kZ_exampleexample1234')}`,
    join('ya29.', 'a0AfH6SMBx9vQ3kZ_exampleexample1234'),
  ],
  [
    'azure-storage-key',
    `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${'A'.repeat(86)}==;EndpointSuffix=core`,
    `${'A'.repeat(86)}==`,
  ],
  ['azure-client-secret', `secret ${join('abc8Q~', 'x'.repeat(34))}`, join('abc8Q~', 'x'.repeat(34))],
  ['github-token', `GITHUB_TOKEN=${join('ghp_', 'a'.repeat(36))}`, join('ghp_', 'a'.repeat(36))],
  [
    'github-token',
    join('github_pat_', '11ABCDEFG0', 'x'.repeat(72)),
    join('github_pat_', '11ABCDEFG0', 'x'.repeat(72)),
  ],
  [
    'gitlab-token',
    `token: ${join('glpat-', 'xXxXxXxXxXxXxXxXxXxX')}`,
    join('glpat-', 'xXxXxXxXxXxXxXxXxXxX'),
  ],
  ['slack-token', `SLACK=${join('xoxb-', '1234567890-abcdefghij')}`, join('xoxb-', '1234567890-abcdefghij')],
  [
    'slack-webhook',
    join('https://hooks.slack.com/services/', 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'),
    'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  ],
  [
    'stripe-key',
    `stripe ${join('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc')}`,
    join('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc'),
  ],
  [
    'openai-style-key',
    `OPENAI_API_KEY=${join('sk-proj-', 'a'.repeat(40))}`,
    join('sk-proj-', 'a'.repeat(40)),
  ],
  ['openai-style-key', join('sk-ant-api03-', 'b'.repeat(40)), join('sk-ant-api03-', 'b'.repeat(40))],
  [
    'bearer-token',
    `Authorization: Bearer ${join('abcdef', '0123456789abcdef')}`,
    join('abcdef', '0123456789abcdef'),
  ],
  [
    'basic-auth',
    `Authorization: Basic ${join('dXNlcjpw', 'YXNzd29yZA==')}`,
    join('dXNlcjpw', 'YXNzd29yZA=='),
  ],
  ['jwt', `token ${JWT} end`, JWT],
  ['pem-private-key', `key:\n${PEM}\nafter`, PEM],
  ['url-password', 'connect to postgres://app:s3cr3t@db.internal:5432/app', 's3cr3t'],
  ['url-password', 'redis://:hunter2@cache:6379', 'hunter2'],
  ['card-number', 'card 4111 1111 1111 1111 exp 12/29', '4111 1111 1111 1111'],
  ['card-number', 'amex 378282246310005.', '378282246310005'],
  ['card-number', 'mc 5555-5555-5555-4444', '5555-5555-5555-4444'],
];

describe('findSecrets', () => {
  it.each(positives)('finds a %s', (id, text, secret) => {
    const found = findSecrets(text).filter((match) => match.detector === id);
    expect(found.map((match) => text.slice(match.start, match.end))).toContain(secret);
  });

  it('finds nothing in ordinary text, numbers and URLs without credentials', () => {
    const text = [
      'Please refund order 4111 1111 1111 1112 for the customer.', // Luhn-invalid
      'Call +1 555 123 4567 or see https://example.com:8443/path?q=1#x.',
      'The task-management basics: a bearer of good news, the secret key to success.',
      'Order id 1234567890123 and sku 2024-11-30.',
      'Basic instructions follow.',
    ].join('\n');
    expect(findSecrets(text)).toEqual([]);
  });

  it('reports matches in order of position with their detector', () => {
    const text = `a ${AWS_ID} b ${JWT}`;
    const found = findSecrets(text);
    expect(found.map((match) => match.detector)).toEqual(['aws-access-key-id', 'jwt']);
    expect(found[0]?.start).toBe(2);
  });

  it('runs the detectors it is given, so the list can be extended', () => {
    const employeeId: SecretDetector = {
      id: 'employee-badge',
      description: 'badge',
      pattern: /(?<![A-Z0-9])EMP-[0-9]{6}(?![0-9])/g,
    };
    const text = `badge EMP-123456 and ${AWS_ID}`;
    expect(findSecrets(text, { detectors: [employeeId] }).map((match) => match.detector)).toEqual([
      'employee-badge',
    ]);
    expect(
      findSecrets(text, { detectors: [...DEFAULT_SECRET_DETECTORS, employeeId] }).map(
        (match) => match.detector,
      ),
    ).toEqual(['employee-badge', 'aws-access-key-id']);
  });

  it('leaves the shared patterns untouched (no lastIndex carried between calls)', () => {
    for (let round = 0; round < 3; round++) expect(findSecrets(`x ${AWS_ID}`)).toHaveLength(1);
    for (const detector of DEFAULT_SECRET_DETECTORS) expect(detector.pattern.lastIndex).toBe(0);
  });

  it('rejects a non-string text', () => {
    expect(() => findSecrets(42 as unknown as string)).toThrow(TypeError);
  });

  it('every default detector has a unique id and a global pattern', () => {
    const ids = DEFAULT_SECRET_DETECTORS.map((detector) => detector.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const detector of DEFAULT_SECRET_DETECTORS) expect(detector.pattern.global).toBe(true);
  });

  // Hostile inputs built to make a backtracking engine go quadratic (runs that almost match, many
  // starts, unclosed blocks). Quadratic time on 200k characters would take minutes; linear takes ms.
  it('stays linear on hostile input', () => {
    const size = 200_000;
    const hostile = [
      '-eyJ'.repeat(size / 4),
      `eyJ${'a'.repeat(size)}`,
      'a.'.repeat(size / 2),
      'a://'.repeat(size / 4),
      'x://u:'.repeat(size / 6),
      '-----BEGIN PRIVATE KEY-----'.repeat(size / 27),
      `-----BEGIN PRIVATE KEY-----${'-'.repeat(size)}`,
      '1 '.repeat(size / 2),
      '4'.repeat(size),
      'Bearer '.repeat(size / 7),
      `Bearer ${'a'.repeat(size)}`,
      'aws_secret_access_key='.repeat(size / 22),
      'sk-'.repeat(size / 3),
      `${'A'.repeat(size)}Q~`,
      'AccountKey='.repeat(size / 11),
      '?sig='.repeat(size / 5),
      `SharedAccessSignature=${'x'.repeat(size)}`,
      'xoxb-'.repeat(size / 5),
    ];
    const started = performance.now();
    for (const text of hostile) findSecrets(text);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('redactSecrets', () => {
  it('replaces only the secret part and keeps the context readable', () => {
    expect(redactSecrets('postgres://app:s3cret@db.internal/app')).toBe(
      `postgres://app:${REDACTED_SECRET}@db.internal/app`,
    );
    expect(redactSecrets(`aws_secret_access_key=${AWS_SECRET}`)).toBe(
      `aws_secret_access_key=${REDACTED_SECRET}`,
    );
  });

  it('replaces overlapping secrets once', () => {
    expect(redactSecrets(`Authorization: Bearer ${JWT}`)).toBe(`Authorization: Bearer ${REDACTED_SECRET}`);
  });

  it('returns text without secrets unchanged', () => {
    const text = 'nothing to see';
    expect(redactSecrets(text)).toBe(text);
  });

  it('takes a replacement text or function', () => {
    expect(redactSecrets(`id ${AWS_ID}`, { replacement: '***' })).toBe('id ***');
    expect(redactSecrets(`id ${AWS_ID}`, { replacement: (match) => `<${match.detector}>` })).toBe(
      'id <aws-access-key-id>',
    );
  });

  it('leaves no secret of the fixtures behind', () => {
    for (const [, text, secret] of positives) expect(redactSecrets(text)).not.toContain(secret);
  });
});
