import { randomHex } from './internal/web-crypto.js';

/**
 * Creates a canary string to put in a system prompt. It never occurs in honest output, so output
 * DLP that finds it (see `canaries` in {@link createOutputGuard}) has caught a system-prompt leak.
 *
 * @example
 * ```ts
 * const canary = createCanary();
 * const system = `You are the support bot. ${canary}`;
 * const dlp = createOutputGuard({ canaries: [canary] });
 * ```
 */
export function createCanary(prefix = 'palisade-canary'): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(prefix))
    throw new TypeError('createCanary(): prefix must be 1-32 lower-case letters, digits or dashes');
  return `${prefix}-${randomHex(12)}`;
}
