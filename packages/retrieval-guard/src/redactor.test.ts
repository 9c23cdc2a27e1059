import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from './redactor.js';

const types = (text: string, redactor = createRedactor()) =>
  redactor.find(text).map((finding) => [finding.type, text.slice(finding.start, finding.end)]);

describe('createRedactor', () => {
  it('finds each structured type, with checksums', () => {
    expect(types('mail uta.kortig@jourrapide.com now')).toEqual([['email', 'uta.kortig@jourrapide.com']]);
    expect(types('card 4111 1111 1111 1111 or 4111111111111112')).toEqual([
      ['credit-card', '4111 1111 1111 1111'],
    ]);
    expect(
      types('IBAN GB82 WEST 1234 5698 7654 32 and gb82west12345698765432, not GB82WEST12345698765433'),
    ).toEqual([
      ['iban', 'GB82 WEST 1234 5698 7654 32'],
      ['iban', 'gb82west12345698765432'],
    ]);
    expect(types('ssn 853-37-1694, not 000-12-3456 or 666-12-3456')).toEqual([['us-ssn', '853-37-1694']]);
    expect(
      types('from 41.173.96.26 or 6e40:4041:c617:e898:c11:40d2:c669:2eb4 or ::ffff:192.0.2.1, not 999.1.1.1'),
    ).toEqual([
      ['ip-address', '41.173.96.26'],
      ['ip-address', '6e40:4041:c617:e898:c11:40d2:c669:2eb4'],
      ['ip-address', '::ffff:192.0.2.1'],
    ]);
    for (const phone of [
      '905-674-3793',
      '+41 (0)96 471 07 95',
      '(898)666-3621x0135',
      '03.93.92.16.85',
      '+447700 921 916',
      '9498777106',
    ])
      expect(types(`call ${phone} today`)).toEqual([['phone', phone]]);
    expect(types('on 2023-01-05, in 1999-2005, pi 3.14159265, total 1234')).toEqual([]);
    // Two groups then a street name are a house number, not a phone; two groups then a verb are a phone.
    expect(types('The office is at 17151 2450 Crown St')).toEqual([]);
    expect(types('call 467 3395 today')).toEqual([['phone', '467 3395']]);
  });

  it('finds secrets with core detector', () => {
    expect(types('key AKIAIOSFODNN7EXAMPLE and token ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toEqual([
      ['secret', 'AKIAIOSFODNN7EXAMPLE'],
      ['secret', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ]);
  });

  it('finds listed person names as whole words, longest first', () => {
    const redactor = createRedactor({ names: ['Dana Reyes', 'Dana'] });
    expect(types('Dana Reyes met dana and Danaher', redactor)).toEqual([
      ['person', 'Dana Reyes'],
      ['person', 'dana'],
    ]);
  });

  it('masks, hashes with a key, or removes, per type and per classification', async () => {
    const key = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(32),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const redactor = createRedactor({
      modes: { email: 'hash' },
      hashKey: key,
      classifications: { public: { entities: ['secret'], mode: 'remove' } },
    });
    const one = await redactor.redact('a@b.example and a@b.example, 853-37-1694');
    expect(one.text).toMatch(/^\[email:([0-9a-f]{16})\] and \[email:\1\], \[REDACTED:us-ssn\]$/);
    const open = await redactor.redact('a@b.example AKIAIOSFODNN7EXAMPLE', { classification: 'public' });
    expect(open.text).toBe('a@b.example ');
  });

  it('fails when a custom detector throws', async () => {
    const redactor = createRedactor({
      entities: ['employee-id'],
      detectors: [
        {
          type: 'employee-id',
          find: () => {
            throw new Error('boom');
          },
        },
      ],
    });
    await expect(redactor.redact('EMP-1')).rejects.toThrow('boom');
  });

  it('runs in linear time on hostile input', () => {
    const hostile = [
      'a'.repeat(200_000),
      '1 '.repeat(100_000),
      `${'a.'.repeat(50_000)}@`,
      '@'.repeat(100_000),
      `${'1-'.repeat(50_000)}x`,
    ];
    const redactor = createRedactor();
    for (const text of hostile) {
      const started = performance.now();
      redactor.find(text);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('never leaves a Luhn-valid card number unredacted (property)', async () => {
    const redactor = createRedactor();
    const luhnDigit = (body: string) => {
      let sum = 0;
      for (let index = 0; index < body.length; index += 1) {
        let digit = Number(body[body.length - 1 - index]);
        if (index % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
      }
      return String((10 - (sum % 10)) % 10);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^4[0-9]{14}$/),
        fc.constantFrom(' ', ''),
        async (body, separator) => {
          const card = `${body}${luhnDigit(body)}`.replace(/(\d{4})(?=\d)/g, `$1${separator}`);
          const { text } = await redactor.redact(`pay with ${card} please`);
          expect(text).toBe('pay with [REDACTED:credit-card] please');
        },
      ),
    );
  });
});
