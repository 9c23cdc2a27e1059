import { KeySetUnavailableError } from './errors.js';
import { importVerificationKeySet, type VerificationKey } from './internal/jwk.js';

/** Options for `createRemoteJwks`. */
export interface RemoteJwksOptions {
  /** The provider's `jwks_uri` (https, or http for a local server). */
  url: string | URL;
  /** Seconds fetched keys are trusted before they must be fetched again. Default 600. */
  cacheMaxAgeSeconds?: number | undefined;
  /**
   * Least seconds between two fetches. A token naming an unknown `kid` triggers a fetch (key
   * rollover) at most this often, so forged `kid`s cannot make us flood the provider. Default 30.
   */
  cooldownSeconds?: number | undefined;
  /** Milliseconds a fetch may take. Default 5000. */
  timeoutMs?: number | undefined;
  /** Largest accepted response, in bytes. Default 262144. */
  maxBytes?: number | undefined;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

/** A JWKS fetched from an identity provider, cached, and refreshed within bounds. */
export interface RemoteJwks {
  readonly url: string;
  /**
   * The key for `kid` (or the only key when `kid` is absent and the set has one), fetching when the
   * cache is empty or too old, or when `kid` is unknown and the cooldown has passed.
   *
   * @throws KeySetUnavailableError when no current key set can be obtained.
   */
  getKey(kid: string | undefined): Promise<VerificationKey | undefined>;
  /** Fetches the set now (ignoring the cooldown). */
  refresh(): Promise<void>;
  /** Epoch milliseconds of the last successful fetch, if any. */
  readonly fetchedAt: number | undefined;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0)
    throw new TypeError(`createRemoteJwks(): ${name} must be a number >= 0`);
  return result;
}

/**
 * Creates a remote JWKS for verifying tokens from an OpenID Connect provider. Keys are kept for
 * `cacheMaxAgeSeconds`; an unknown `kid` refetches at most once per `cooldownSeconds`; an unreachable
 * provider with no current keys means every token is refused.
 *
 * @example
 * ```ts
 * const jwks = createRemoteJwks({ url: 'https://login.example.com/.well-known/jwks.json' });
 * const users = createUserTokenVerifier({ issuer: 'https://login.example.com', audience: 'support-app', keys: jwks });
 * ```
 */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  let url: URL;
  try {
    url = new URL(String(options?.url));
  } catch {
    throw new TypeError('createRemoteJwks(): url must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('createRemoteJwks(): url must be http(s)');
  const maxAgeMs = positive(options.cacheMaxAgeSeconds, 600, 'cacheMaxAgeSeconds') * 1000;
  const cooldownMs = positive(options.cooldownSeconds, 30, 'cooldownSeconds') * 1000;
  if (cooldownMs > maxAgeMs)
    throw new TypeError('createRemoteJwks(): cooldownSeconds must not exceed cacheMaxAgeSeconds');
  const timeoutMs = positive(options.timeoutMs, 5000, 'timeoutMs');
  const maxBytes = positive(options.maxBytes, 262_144, 'maxBytes');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function')
    throw new TypeError('createRemoteJwks(): no fetch implementation available');
  const now = options.now ?? Date.now;

  let keys: ReadonlyMap<string, VerificationKey> | undefined;
  let fetchedAt: number | undefined;
  let attemptedAt: number | undefined;
  let inFlight: Promise<void> | undefined;

  async function load(): Promise<void> {
    attemptedAt = now();
    const response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`JWKS endpoint answered ${response.status}`);
    const body = await response.arrayBuffer();
    if (body.byteLength > maxBytes) throw new Error(`JWKS response is larger than ${maxBytes} bytes`);
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    keys = importVerificationKeySet(parsed);
    fetchedAt = now();
  }

  function fetchOnce(): Promise<void> {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function current(): boolean {
    return keys !== undefined && fetchedAt !== undefined && now() - fetchedAt <= maxAgeMs;
  }

  function pick(kid: string | undefined): VerificationKey | undefined {
    if (!keys) return undefined;
    if (kid !== undefined) return keys.get(kid);
    return keys.size === 1 ? keys.values().next().value : undefined;
  }

  return {
    url: url.href,
    get fetchedAt() {
      return fetchedAt;
    },
    async getKey(kid) {
      if (!current()) {
        const coolingDown = attemptedAt !== undefined && now() - attemptedAt < cooldownMs;
        try {
          if (coolingDown && inFlight === undefined)
            throw new Error('the last fetch failed and the cooldown has not passed');
          await fetchOnce();
        } catch (error) {
          keys = undefined;
          throw new KeySetUnavailableError(`The key set at ${url.href} is unavailable`, { cause: error });
        }
      }
      const found = pick(kid);
      if (found || (attemptedAt !== undefined && now() - attemptedAt < cooldownMs)) return found;
      // An unknown kid may be a key the provider has just rolled over to.
      try {
        await fetchOnce();
      } catch {
        // The keys we hold are still within their max age; the unknown kid simply stays unknown.
        return undefined;
      }
      return pick(kid);
    },
    refresh: fetchOnce,
  };
}
