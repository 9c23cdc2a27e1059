/** Hashed word unigrams and bigrams of a text window, shared by training and scoring. */
export const FEATURE_BITS = 15;
const MASK = (1 << FEATURE_BITS) - 1;

const SEED = 0x811c9dc5;
const SPACE = 32;

/** FNV-1a, continued from `hash` over `text` (so hash("a b") = continue(continue(hash("a"), " "), "b")). */
function fnv1a(hash: number, text: string): number {
  let state = hash;
  for (let index = 0; index < text.length; index += 1) {
    state ^= text.charCodeAt(index);
    state = Math.imul(state, 0x01000193);
  }
  return state >>> 0;
}

const TOKEN = /[a-z0-9']{1,24}/g;

/** The distinct feature indices of a window (lower-cased words and word pairs, hashed). */
export function featuresOf(window: string): number[] {
  const tokens = window.toLowerCase().match(TOKEN) ?? [];
  const features = new Set<number>();
  let previous = -1;
  for (const token of tokens) {
    const unigram = fnv1a(SEED, token);
    features.add(unigram & MASK);
    // The pair's hash continues the first word's with a space, without building the pair's text.
    if (previous !== -1) features.add(fnv1a(Math.imul(previous ^ SPACE, 0x01000193), token) & MASK);
    previous = unigram;
  }
  return [...features];
}

/** Splits a text into windows of whole lines, each at most `size` characters (a longer line is cut). */
export function windowsOf(text: string, size = 1200): Array<{ start: number; end: number }> {
  const windows: Array<{ start: number; end: number }> = [];
  let start = 0;
  let end = 0;
  while (end < text.length) {
    let next = text.indexOf('\n', end);
    next = next === -1 ? text.length : next + 1;
    if (next - start > size && end > start) {
      windows.push({ start, end });
      start = end;
    }
    while (next - start > size) {
      windows.push({ start, end: start + size });
      start += size;
    }
    end = next;
  }
  if (end > start) windows.push({ start, end });
  return windows;
}

/** The logistic model's probability for a window's features. */
export function probability(features: readonly number[], weights: Float32Array, bias: number): number {
  if (features.length === 0) return 0;
  let sum = 0;
  for (const feature of features) sum += weights[feature]!;
  const z = bias + sum / Math.sqrt(features.length);
  return 1 / (1 + Math.exp(-z));
}
