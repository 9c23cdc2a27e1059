import { describe, expect, it } from 'vitest';
import { isDistinctiveToken, normalizeValue, valueTokens } from './value-tokens.js';

const values = (text: string) => valueTokens(text).map((token) => token.value);

describe('normalizeValue', () => {
  it('folds case, Unicode forms and spacing', () => {
    expect(normalizeValue('  Bob@Customer.EXAMPLE ')).toBe('bob@customer.example');
    expect(normalizeValue('ｂｏｂ@x.example')).toBe('bob@x.example');
    expect(normalizeValue('Car   Rental')).toBe('car rental');
  });

  it('compares URLs without scheme or trailing slash, IBANs without spaces, numbers by value', () => {
    expect(normalizeValue('https://WWW.Example.com/')).toBe('www.example.com');
    expect(normalizeValue('www.example.com')).toBe('www.example.com');
    expect(normalizeValue('GB29 NWBK 6016 1331 9268 19')).toBe('gb29nwbk60161331926819');
    expect(normalizeValue(98.7)).toBe('98.7');
    expect(normalizeValue('98.70')).toBe('98.7');
    expect(normalizeValue('1,050.00')).toBe('1050');
  });

  it('has no form for what is not a value', () => {
    for (const value of ['', '   ', null, undefined, true, {}, [], Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(normalizeValue(value)).toBeUndefined();
    }
  });
});

describe('valueTokens', () => {
  it('finds e-mails, IBANs, URLs, numbers, ids and quoted strings', () => {
    const found = values(
      "Pay 'bill-december-2023.txt' to GB29NWBK60161331926819 (98.70), mail bob@x.example, see https://www.a.example/x, order O-7.",
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'bill-december-2023.txt',
        'gb29nwbk60161331926819',
        '98.7',
        'bob@x.example',
        'www.a.example/x',
        'o-7',
      ]),
    );
  });

  it('never yields a common word', () => {
    const found = values('Tell me about the weather and the news, please');
    expect(found).toEqual([]);
  });

  it('yields values only whole, never a part of a longer one', () => {
    expect(values('write to alice.bob@customer.example')).toEqual(['alice.bob@customer.example']);
    expect(values('bob@customer.example.evil.io')).toEqual(['bob@customer.example.evil.io']);
    expect(values('refund 1000')).toEqual(['1000']);
    expect(values('see https://a.example/path')).toEqual(['a.example/path']);
  });

  it('finds values inside punctuation and after labels', () => {
    expect(values('to:bob@x.example')).toContain('bob@x.example');
    expect(values('(www.dora-website.com)')).toEqual(['www.dora-website.com']);
    expect(values('IBAN: GB29 NWBK 6016 1331 9268 19.')).toContain('gb29nwbk60161331926819');
  });

  it('takes a quoted string whole, but not an apostrophe in a word', () => {
    expect(values("update the password to '1j1l-2k3j'")).toContain('1j1l-2k3j');
    expect(values("post to the 'general' channel")).toEqual(['general']);
    expect(values("What's my balance? It's fine")).toEqual([]);
  });

  it('tells distinctive tokens from common ones', () => {
    const tokens = valueTokens('2022-01-01 12 1a7b3d External_0 bob@x.example');
    const distinctive = tokens.filter(isDistinctiveToken).map((token) => token.value);
    expect(distinctive).toEqual(expect.arrayContaining(['1a7b3d', 'external_0', 'bob@x.example']));
    expect(distinctive).not.toContain('12');
    expect(distinctive).not.toContain('2022-01-01');
  });
});

describe('valueTokens names', () => {
  it('takes a capitalised word inside a sentence as a name, not one opening a sentence', () => {
    expect(values('Hey this is Alice! Please send it to Bob.')).toEqual(['alice', 'bob']);
    expect(values('Apple called. 2. Invite Dora')).toEqual(['2', 'dora']);
    expect(values('tell me about the news')).toEqual([]);
  });
});

describe('valueTokens run-on sentences', () => {
  it('finds a host name whose sentence lost its space', () => {
    expect(values('post to www.our-company.com.They sent it to Bob')).toEqual(['www.our-company.com', 'bob']);
    expect(values('see www.Example.com today')).toEqual(['www.example.com']);
  });
});
