import type { ApprovalRequest } from '@palisade/core';
import type { Approver, ApproverCheck, HumanCredentials, VerifiedHuman } from '../approver-check.js';
import { ApproverRejectedError } from '../errors.js';

/** The JOSE `typ` of Palisade's agent tokens: never a person's. */
const AGENT_TOKEN_TYPE = 'palisade-agent+jwt';

/** Checks `approvers` once, at service creation. */
export function assertApproverCheck(approvers: ApproverCheck): void {
  if (typeof approvers === 'function') return;
  if (typeof approvers !== 'object' || approvers === null) {
    throw new TypeError(
      'createApprovalService(): approvers must be a function or { verifier, humans, roles }',
    );
  }
  if (typeof approvers.verifier?.verify !== 'function') {
    throw new TypeError('createApprovalService(): approvers.verifier must have verify()');
  }
  const humans = approvers.humans as HumanCredentials | undefined;
  if (
    typeof humans !== 'object' ||
    humans === null ||
    !Array.isArray(humans.issuers) ||
    humans.issuers.length === 0 ||
    !humans.issuers.every((issuer) => typeof issuer === 'string' && issuer !== '')
  ) {
    throw new TypeError(
      "createApprovalService(): approvers.humans.issuers must list the issuers of people's tokens (only a human approves)",
    );
  }
  if (
    humans.tokenTypes !== undefined &&
    (!Array.isArray(humans.tokenTypes) ||
      !humans.tokenTypes.every(
        (type) => typeof type === 'string' && type !== '' && type !== AGENT_TOKEN_TYPE,
      ))
  ) {
    throw new TypeError(
      `createApprovalService(): approvers.humans.tokenTypes must be token types other than ${AGENT_TOKEN_TYPE}`,
    );
  }
  const roles = approvers.roles;
  if (typeof roles !== 'function') {
    if (
      !Array.isArray(roles) ||
      roles.length === 0 ||
      !roles.every((role) => typeof role === 'string' && role)
    ) {
      throw new TypeError(
        'createApprovalService(): approvers.roles must be a non-empty array of role names or a function',
      );
    }
  }
}

/** The JOSE header `typ` of a compact JWS, or `undefined` when the credential is not one. */
function tokenType(credential: string): string | undefined {
  const header = credential.split('.', 1)[0] ?? '';
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(header)) return undefined;
  try {
    const base64 = header.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const typ = (JSON.parse(new TextDecoder().decode(bytes)) as { typ?: unknown } | null)?.typ;
    return typeof typ === 'string' ? typ : undefined;
  } catch {
    return undefined;
  }
}

/** Why a verified token is not a person's, or `undefined` when it is. */
function notHuman(verified: VerifiedHuman, credential: string, humans: HumanCredentials): string | undefined {
  if ('agent' in (verified as object)) return 'the credential is an agent token';
  const claims = verified.claims ?? {};
  const typ = tokenType(credential);
  if (typ === AGENT_TOKEN_TYPE) return 'the credential is an agent token';
  if (claims.act !== undefined) return "the credential is used by an actor on the user's behalf (act claim)";
  if (typeof verified.id !== 'string' || verified.id.startsWith('spiffe://'))
    return 'the subject is an agent';
  if (typeof claims.iss !== 'string' || !humans.issuers.includes(claims.iss)) {
    return `tokens of issuer ${JSON.stringify(claims.iss ?? null)} are not configured as people's`;
  }
  if (humans.tokenTypes !== undefined && (typ === undefined || !humans.tokenTypes.includes(typ))) {
    return `token type ${JSON.stringify(typ ?? null)} is not configured as a person's`;
  }
  return undefined;
}

/**
 * Authenticates an approver, checks the credential is a person's and, given a `request`, a role
 * allowed to decide it. Every failure, including a check that throws something unexpected, is an
 * `ApproverRejectedError`.
 */
export async function authenticateApprover(
  approvers: ApproverCheck,
  credential: unknown,
  request: ApprovalRequest | undefined,
  now: number,
): Promise<Approver> {
  const approvalId = request?.id;
  if (typeof credential !== 'string' || credential === '') {
    throw new ApproverRejectedError('No approver credential was presented', {
      approvalId,
      rejection: 'credential',
    });
  }
  let approver: Approver;
  try {
    if (typeof approvers === 'function') {
      approver = await approvers(credential, { request, now });
    } else {
      const verified = await approvers.verifier.verify(credential, { now });
      const why = notHuman(verified, credential, approvers.humans);
      if (why !== undefined) {
        throw new ApproverRejectedError(`Only a person may decide an approval: ${why}`, {
          approvalId,
          rejection: 'not-human',
        });
      }
      approver = { id: verified.id, roles: verified.roles, human: true };
    }
  } catch (error) {
    if (ApproverRejectedError.isInstance(error)) throw error;
    throw new ApproverRejectedError(
      `The approver credential was refused: ${error instanceof Error ? error.message : String(error)}`,
      { approvalId, rejection: 'credential', cause: error },
    );
  }
  if (
    typeof approver?.id !== 'string' ||
    approver.id === '' ||
    !Array.isArray(approver.roles) ||
    !approver.roles.every((role) => typeof role === 'string') ||
    (approver.chain !== undefined &&
      (!Array.isArray(approver.chain) || !approver.chain.every((entry) => typeof entry === 'string')))
  ) {
    throw new ApproverRejectedError('The approver check returned a value that is not an Approver', {
      approvalId,
      rejection: 'credential',
    });
  }
  if (approver.human !== true || approver.id.startsWith('spiffe://')) {
    throw new ApproverRejectedError(
      `Only a person may decide an approval: the approver check did not establish "${approver.id}" as human`,
      { approvalId, rejection: 'not-human' },
    );
  }
  if (request !== undefined && typeof approvers !== 'function') {
    const allowed = typeof approvers.roles === 'function' ? approvers.roles(request) : approvers.roles;
    if (!Array.isArray(allowed) || !approver.roles.some((role) => allowed.includes(role))) {
      throw new ApproverRejectedError(
        `Approver "${approver.id}" has none of the roles allowed to decide "${request.tool}"`,
        { approvalId, rejection: 'role' },
      );
    }
  }
  return {
    id: approver.id,
    roles: [...approver.roles],
    chain: [approver.id, ...(approver.chain ?? [])],
    human: true,
  };
}

/** True when any identity of the approver is part of the requester's chain. */
export function isSelfApproval(approver: Approver, request: ApprovalRequest): boolean {
  const requester = new Set([
    request.agent.id,
    ...(request.user ? [request.user.id] : []),
    ...request.delegation,
  ]);
  return [approver.id, ...(approver.chain ?? [])].some((identity) => requester.has(identity));
}
