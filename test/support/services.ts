import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** Connection strings the service-backed tests use; override them through the environment. */
export const POSTGRES_URL =
  process.env.PALISADE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.PALISADE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.PALISADE_TEST_CHROMIUM ?? '/usr/bin/chromium';

export type Service = 'postgres' | 'redis' | 'chromium';

/** True when a TCP connection to the URL's host and port opens within a second. */
export function isReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Tells whether a service the tests need is there. Outside CI a missing service skips its tests
 * with a visible message; with `CI=true` it is an error, so CI can never pass by skipping.
 *
 * @example
 * ```ts
 * const hasRedis = await requireService('redis');
 * describe.skipIf(!hasRedis)('on the real Redis', () => { ... });
 * ```
 */
export async function requireService(service: Service): Promise<boolean> {
  const where = service === 'postgres' ? POSTGRES_URL : service === 'redis' ? REDIS_URL : CHROMIUM_PATH;
  const ok = service === 'chromium' ? existsSync(CHROMIUM_PATH) : await isReachable(where);
  if (ok) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${service} is required when CI=true but is not available at ${where}`);
  }
  console.warn(
    `SKIPPED: ${service} is not available at ${where}; its tests are skipped (they are mandatory with CI=true)`,
  );
  return false;
}
