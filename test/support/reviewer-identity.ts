/**
 * A test identity provider for reviewers: it signs people's user tokens (OpenID Connect style,
 * `typ: JWT`) with its own Ed25519 key, and gives the approval service the matching approver check
 * (`createUserTokenVerifier` of `@palisade/identity` plus the explicit rule that its tokens are
 * people's). Agents get their tokens elsewhere (the agent issuer), so they never count as reviewers.
 */
import { createUserTokenVerifier, generateSigningKey } from '@palisade/identity';
import { SignJWT } from 'jose';

export interface ReviewerIdentity {
  readonly issuer: string;
  /** A user token for a person. */
  token(user: { id: string; roles: readonly string[] }): Promise<string>;
  /** The approval service's `approvers`: this provider's people with one of `roles`. */
  approvers(roles: readonly string[]): {
    verifier: ReturnType<typeof createUserTokenVerifier>;
    humans: { issuers: string[]; tokenTypes: string[] };
    roles: readonly string[];
  };
}

export async function createReviewerIdentity(
  options: { issuer?: string; audience?: string } = {},
): Promise<ReviewerIdentity> {
  const issuer = options.issuer ?? 'https://login.acme.test';
  const audience = options.audience ?? 'palisade-approvals';
  const key = await generateSigningKey({ alg: 'EdDSA' });
  const verifier = createUserTokenVerifier({ issuer, audience, keys: { keys: [key.publicJwk] } });
  return {
    issuer,
    token: (user) =>
      new SignJWT({ roles: [...user.roles] })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(user.id)
        .setIssuedAt()
        .setExpirationTime('30m')
        .sign(key.privateKey),
    approvers: (roles) => ({ verifier, humans: { issuers: [issuer], tokenTypes: ['JWT'] }, roles }),
  };
}
