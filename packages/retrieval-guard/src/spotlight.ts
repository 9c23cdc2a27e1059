import { randomHex } from './internal/web-crypto.js';

const MARKER = /<<\s{0,3}\/?\s{0,3}untrusted-content\b/gi;

/**
 * Wraps untrusted text in data markers with a random id (spotlighting), so a prompt can tell the
 * model that everything between the markers is data, never instructions. Marker-like text inside
 * the content is defused, so the content cannot close the block early and speak as the prompt.
 *
 * @example
 * ```ts
 * spotlight('Refunds take 5 days.');
 * // '<<untrusted-content id="9c1e…">>\nRefunds take 5 days.\n<</untrusted-content id="9c1e…">>'
 * ```
 */
export function spotlight(text: string, options: { id?: string | undefined } = {}): string {
  if (typeof text !== 'string') throw new TypeError('spotlight(): text must be a string');
  const id = options.id ?? randomHex(8);
  if (!/^[0-9a-zA-Z-]{1,64}$/.test(id))
    throw new TypeError('spotlight(): id must be 1-64 letters, digits or dashes');
  const defused = text.replace(MARKER, (marker) => marker.replace('<<', '‹‹'));
  return `<<untrusted-content id="${id}">>\n${defused}\n<</untrusted-content id="${id}">>`;
}
