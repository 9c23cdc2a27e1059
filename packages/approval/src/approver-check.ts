import type { ApprovalRequest } from '@palisade/core';

/** An authenticated approver. */
export interface Approver {
  /** Stable identifier recorded in the signed decision (a user id, an email). */
  readonly id: string;
  readonly roles: readonly string[];
  /**
   * Every identity the approver's credential speaks for. If any of them is part of the request's
   * own chain, approving is self-approval.
   */
  readonly chain?: readonly string[] | undefined;
  /**
   * Set to `true` by an approver check that has established a person presented this credential.
   * Only a human approves: an approver without it is refused (`ERR_APPROVER_REJECTED`, `not-human`).
   */
  readonly human?: boolean | undefined;
}

/** What an approver check knows when it runs. */
export interface ApproverCheckContext {
  /** The request to be decided; absent when the approver only signs in (to the console). */
  readonly request?: ApprovalRequest | undefined;
  /** Epoch milliseconds. */
  readonly now: number;
}

/**
 * A verified person, as a user-token verifier returns it (`createUserTokenVerifier()` of
 * `@palisade/identity` does).
 */
export interface VerifiedHuman {
  readonly id: string;
  readonly roles: readonly string[];
  /** Every claim of the token (`iss`, `act`, ...). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Verifies a reviewer's token (an OpenID Connect ID or access token of your identity provider). */
export interface HumanTokenVerifier {
  verify(token: string, options?: { now?: number | undefined }): Promise<VerifiedHuman>;
}

/**
 * Which verified tokens are a person's. Explicit: nothing is inferred from a token's shape.
 *
 * A token counts as human only when its `iss` is one of `issuers`, its JOSE `typ` is one of
 * `tokenTypes` (when given), it has no `act` claim (a token used by someone acting for the user,
 * such as an agent, RFC 8693), and its subject is not an agent (`spiffe://...`). Palisade's own agent
 * tokens (`typ: palisade-agent+jwt`) never count.
 */
export interface HumanCredentials {
  /** The issuers of people's tokens (your identity provider); never the issuer of agent tokens. */
  readonly issuers: readonly string[];
  /** Accepted JOSE `typ` header values (`JWT`, `at+jwt`); any when omitted. */
  readonly tokenTypes?: readonly string[] | undefined;
}

/** Authenticates a reviewer's user token and authorises by role. */
export interface VerifierApproverCheck {
  /** Verifies the reviewer's token, e.g. `createUserTokenVerifier({ issuer, audience, keys })`. */
  readonly verifier: HumanTokenVerifier;
  /** Which verified tokens are a person's. Required: an agent's credential never approves. */
  readonly humans: HumanCredentials;
  /** Roles allowed to decide; fixed, or chosen per request (by tool, target, effect). */
  readonly roles: readonly string[] | ((request: ApprovalRequest) => readonly string[]);
}

/**
 * How approvers are authenticated and authorised: a user-token verifier with the explicit rule of
 * which tokens are a person's and the roles allowed to decide, or a function that verifies the
 * credential and returns the approver with `human: true` (throwing to refuse).
 *
 * Either way, the service refuses an approver not established as human, and an approval by anyone
 * whose chain overlaps the requester's unless self-approval is allowed.
 *
 * @example
 * ```ts
 * const approvers: ApproverCheck = {
 *   verifier: createUserTokenVerifier({ issuer: 'https://login.acme.example', audience: 'approvals', keys }),
 *   humans: { issuers: ['https://login.acme.example'] },
 *   roles: ['payments-approver'],
 * };
 * const byTable: ApproverCheck = (token) => {
 *   const approver = staffTokens.get(token); // tokens handed to people, never to agents
 *   if (!approver) throw new Error('unknown approver token');
 *   return { ...approver, human: true };
 * };
 * ```
 */
export type ApproverCheck =
  | VerifierApproverCheck
  | ((credential: string, context: ApproverCheckContext) => Approver | Promise<Approver>);
