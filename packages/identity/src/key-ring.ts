import type { JsonWebKeySet, SigningKey } from './signing-key.js';

/** A key's place in the ring. */
export interface KeyRingEntry {
  readonly kid: string;
  readonly alg: SigningKey['alg'];
  /** `active` signs new tokens; `retired` only verifies tokens it already signed. */
  readonly status: 'active' | 'retired';
  /** Epoch seconds of the latest `exp` among the tokens this key signed. */
  readonly lastExpiry: number | undefined;
  /**
   * Epoch seconds until which a retired key stays published: the latest `exp` it signed plus the grace
   * period. `undefined` while active, or for keys given retired with no known history (kept until removed).
   */
  readonly publishedUntil: number | undefined;
}

/** The issuer's signing keys: one active, retired ones published until their last token has expired. */
export interface KeyRing {
  /** The key that signs new tokens. */
  active(): SigningKey;
  /** Finds a key the ring still publishes. */
  get(kid: string): SigningKey | undefined;
  /**
   * Makes `next` the active key. The previous key stops signing at once and stays in the JWKS until
   * every token it signed has expired (plus the grace period), so verifiers never see a gap.
   */
  rotate(next: SigningKey): void;
  /** Stops publishing a retired key at once (after a compromise). The active key cannot be removed. */
  remove(kid: string): boolean;
  /** Notes that a token signed with `kid` expires at `expiresAt` (epoch seconds). */
  recordIssued(kid: string, expiresAt: number): void;
  /** The public keys verifiers should trust now. */
  jwks(): JsonWebKeySet;
  /** The keys and their state. */
  entries(): readonly KeyRingEntry[];
}

/** Options for `createKeyRing`. */
export interface KeyRingOptions {
  /** The first key is active; further keys are retired and stay published until removed. */
  keys: SigningKey | readonly SigningKey[];
  /** Seconds a retired key stays published after its last token expired (covers clock skew). Default 60. */
  graceSeconds?: number | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

interface Slot {
  key: SigningKey;
  status: 'active' | 'retired';
  lastExpiry: number | undefined;
  retiredAt: number | undefined;
  /** False for keys handed in retired: nothing is known about what they signed. */
  tracked: boolean;
}

function isSigningKey(value: unknown): value is SigningKey {
  const key = value as SigningKey | null;
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof key.kid === 'string' &&
    (key.alg === 'EdDSA' || key.alg === 'ES256') &&
    typeof key.privateKey === 'object' &&
    typeof key.publicJwk === 'object'
  );
}

/**
 * Creates a key ring for rotation with overlap.
 *
 * @example
 * ```ts
 * const ring = createKeyRing({ keys: await generateSigningKey() });
 * const issuer = createAgentIssuer({ ...options, keys: ring });
 * ring.rotate(await generateSigningKey()); // new tokens use the new kid; old ones verify until they expire
 * ```
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const list = Array.isArray(options?.keys) ? options.keys : [options?.keys];
  if (list.length === 0 || !list.every(isSigningKey)) {
    throw new TypeError('createKeyRing(): keys must be a SigningKey or a non-empty array of them');
  }
  const graceSeconds = options.graceSeconds ?? 60;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new TypeError('createKeyRing(): graceSeconds must be >= 0');
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  for (const [index, key] of list.entries()) {
    if (slots.has(key.kid)) throw new TypeError(`createKeyRing(): kid ${key.kid} appears twice`);
    slots.set(key.kid, {
      key,
      status: index === 0 ? 'active' : 'retired',
      lastExpiry: undefined,
      retiredAt: undefined,
      tracked: index === 0,
    });
  }
  let activeKid = list[0]!.kid;

  function publishedUntil(slot: Slot): number | undefined {
    if (slot.status === 'active' || !slot.tracked) return undefined;
    const last = slot.lastExpiry ?? Math.floor((slot.retiredAt ?? 0) / 1000);
    return last + graceSeconds;
  }

  function published(slot: Slot, nowSeconds: number): boolean {
    const until = publishedUntil(slot);
    return until === undefined || nowSeconds <= until;
  }

  function sweep(): void {
    const nowSeconds = now() / 1000;
    for (const [kid, slot] of slots) if (!published(slot, nowSeconds)) slots.delete(kid);
  }

  return {
    active: () => slots.get(activeKid)!.key,
    get(kid) {
      sweep();
      return slots.get(kid)?.key;
    },
    rotate(next) {
      if (!isSigningKey(next)) throw new TypeError('rotate(): expected a SigningKey');
      if (slots.has(next.kid)) throw new TypeError(`rotate(): kid ${next.kid} is already in the ring`);
      const previous = slots.get(activeKid)!;
      previous.status = 'retired';
      previous.retiredAt = now();
      slots.set(next.kid, {
        key: next,
        status: 'active',
        lastExpiry: undefined,
        retiredAt: undefined,
        tracked: true,
      });
      activeKid = next.kid;
      sweep();
    },
    remove(kid) {
      if (kid === activeKid) throw new TypeError('remove(): the active key cannot be removed; rotate first');
      return slots.delete(kid);
    },
    recordIssued(kid, expiresAt) {
      const slot = slots.get(kid);
      if (slot && (slot.lastExpiry === undefined || expiresAt > slot.lastExpiry)) slot.lastExpiry = expiresAt;
    },
    jwks() {
      sweep();
      return { keys: [...slots.values()].map((slot) => slot.key.publicJwk) };
    },
    entries() {
      sweep();
      return [...slots.values()].map((slot) => ({
        kid: slot.key.kid,
        alg: slot.key.alg,
        status: slot.status,
        lastExpiry: slot.lastExpiry,
        publishedUntil: publishedUntil(slot),
      }));
    },
  };
}

/** True when `value` is a key ring (as opposed to one key or a list of keys). */
export function isKeyRing(value: unknown): value is KeyRing {
  const ring = value as KeyRing | null;
  return (
    typeof ring === 'object' &&
    ring !== null &&
    typeof ring.active === 'function' &&
    typeof ring.rotate === 'function'
  );
}
