import type { Principal } from './principal.js';

/** Options for one verification. */
export interface VerifyOptions {
  /** The audience the call is made to; a credential for another audience must be refused. */
  readonly audience?: string | undefined;
  /** Epoch milliseconds to verify at. */
  readonly now: number;
}

/**
 * Turns a presented credential into a verified `Principal`, or throws (ideally a `CredentialError`).
 * Implementations check revocation on every call; only pure results (a signature) may be cached.
 */
export interface CredentialVerifier {
  verify(credential: string, options: VerifyOptions): Promise<Principal>;
}
