import type { EntityFinding } from '../entity.js';

const WORD = /[\p{L}\p{M}'’-]+/gu;

/**
 * Finds the given person names as whole words, case-insensitively, in one pass over the words of
 * the text (linear: each word starts at most `maxWords` lookups in a set).
 */
export function createNameFinder(names: readonly string[]): (text: string, out: EntityFinding[]) => void {
  const known = new Set<string>();
  let maxWords = 1;
  for (const name of names) {
    if (typeof name !== 'string') throw new TypeError('names must be strings');
    const words = name.trim().toLowerCase().match(WORD);
    if (words === null) continue;
    known.add(words.join(' '));
    maxWords = Math.max(maxWords, words.length);
  }
  return (text, out) => {
    if (known.size === 0) return;
    const words: Array<{ word: string; start: number; end: number }> = [];
    WORD.lastIndex = 0;
    for (let match = WORD.exec(text); match !== null; match = WORD.exec(text)) {
      words.push({ word: match[0].toLowerCase(), start: match.index, end: match.index + match[0].length });
    }
    for (let index = 0; index < words.length; index += 1) {
      // Longest name first, so "Dana Reyes" wins over "Dana".
      for (let length = Math.min(maxWords, words.length - index); length >= 1; length -= 1) {
        let candidate = words[index]!.word;
        for (let next = 1; next < length; next += 1) candidate += ` ${words[index + next]!.word}`;
        if (known.has(candidate)) {
          out.push({
            type: 'person',
            rule: 'name-list',
            start: words[index]!.start,
            end: words[index + length - 1]!.end,
          });
          index += length - 1;
          break;
        }
      }
    }
  };
}
