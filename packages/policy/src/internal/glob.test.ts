import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, hasWildcard } from './glob.js';

describe('compileGlob', () => {
  it.each([
    ['spiffe://acme.example/agent/support-*', 'spiffe://acme.example/agent/support-bot', true],
    ['spiffe://acme.example/agent/support-*', 'spiffe://acme.example/agent/support-bot/sub', false],
    ['spiffe://acme.example/agent/**', 'spiffe://acme.example/agent/a/b', true],
    ['*@acme.example', 'bob@acme.example', true],
    ['*@acme.example', 'bob@acme.example.evil', false],
    ['**.pdf', 'a/b/c.pdf', true],
    ['*.pdf', 'a/c.pdf', false],
    ['file-?.txt', 'file-1.txt', true],
    ['file-?.txt', 'file-10.txt', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(compileGlob(pattern)(value)).toBe(expected);
  });

  it('stays fast on a pathological pattern and value', () => {
    const match = compileGlob(`${'*a'.repeat(40)}b`);
    const started = performance.now();
    expect(match('a'.repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('agrees with a reference regular expression', () => {
    const toRegExp = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split('')
          .map((char) =>
            char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
          )
          .join('')}$`,
      );
    const alphabet = fc.constantFrom('a', 'b', '/', '.');
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom('a', 'b', '/', '.', '*', '?'), { maxLength: 8 })
          .map((chars) => chars.join('').replace(/\*\*+/g, '*')),
        fc.array(alphabet, { maxLength: 10 }).map((chars) => chars.join('')),
        (pattern, value) => compileGlob(pattern)(value) === toRegExp(pattern).test(value),
      ),
    );
    expect(hasWildcard('a\\*')).toBe(false);
  });
});
