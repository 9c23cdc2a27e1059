import { CredentialError, PalisadeError } from '@palisade/core';

/**
 * A token could not be issued: the agent is not registered or not active, the request is wider than
 * the registration allows, or the attested environment is not where the agent was approved to run.
 *
 * @example
 * ```ts
 * try { await issuer.issue({ agent: 'retired-bot' }); } catch (error) {
 *   if (IssuanceError.isInstance(error)) console.log(error.code, error.agent);
 * }
 * ```
 */
export class IssuanceError extends PalisadeError {
  static override readonly kind: string = 'IssuanceError';
  override readonly code: string = 'ERR_ISSUANCE_REFUSED';
  /** The agent the token was requested for. */
  readonly agent: string | undefined;

  constructor(message: string, options: { agent?: string | undefined; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.agent = options.agent;
  }
}

/**
 * A delegation was refused because it would widen the parent token (more scopes, a later expiry,
 * another task or audience) or exceed the maximum delegation depth.
 *
 * @example
 * ```ts
 * await expect(issuer.delegate(parent, { agent: 'sub', scopes: ['admin'] })).rejects.toThrow(DelegationError);
 * ```
 */
export class DelegationError extends IssuanceError {
  static override readonly kind: string = 'DelegationError';
  override readonly code: string = 'ERR_DELEGATION_REFUSED';
}

/**
 * A one-time token was presented a second time.
 *
 * @example
 * ```ts
 * if (TokenReplayedError.isInstance(error)) alert('token reuse');
 * ```
 */
export class TokenReplayedError extends CredentialError {
  static override readonly kind: string = 'TokenReplayedError';
  override readonly code: string = 'ERR_TOKEN_REPLAYED';
}

/**
 * The signing keys could not be obtained (a remote JWKS is unreachable or serves an unusable set),
 * so nothing can be verified: the credential is refused.
 *
 * @example
 * ```ts
 * if (KeySetUnavailableError.isInstance(error)) metrics.increment('jwks.unavailable');
 * ```
 */
export class KeySetUnavailableError extends CredentialError {
  static override readonly kind: string = 'KeySetUnavailableError';
  override readonly code: string = 'ERR_JWKS_UNAVAILABLE';
}
