import type { ApprovalRequest } from '@palisade/core';
import type { Approver, ApproverCheck } from '../approver-check.js';
import { ApproverRejectedError } from '../errors.js';

/** Checks `approvers` once, at service creation. */
export function assertApproverCheck(approvers: ApproverCheck): void {
  if (typeof approvers === 'function') return;
  if (typeof approvers !== 'object' || approvers === null) {
    throw new TypeError('createApprovalService(): approvers must be a function or { verifier, roles }');
  }
  if (typeof approvers.verifier?.verify !== 'function') {
    throw new TypeError('createApprovalService(): approvers.verifier must have verify()');
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
  if (approvers.audience !== undefined && typeof approvers.audience !== 'string') {
    throw new TypeError('createApprovalService(): approvers.audience must be a string');
  }
}

/**
 * Authenticates an approver and, given a `request`, checks a role allowed to decide it. Every
 * failure, including a check that throws something unexpected, is an `ApproverRejectedError`.
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
      const principal = await approvers.verifier.verify(credential, { audience: approvers.audience, now });
      approver = {
        id: principal.user?.id ?? principal.agent.id,
        roles: principal.user?.roles ?? [],
        chain: [principal.agent.id, ...(principal.user ? [principal.user.id] : []), ...principal.delegation],
      };
    }
  } catch (error) {
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
  if (request !== undefined && typeof approvers !== 'function') {
    const allowed = typeof approvers.roles === 'function' ? approvers.roles(request) : approvers.roles;
    if (!Array.isArray(allowed) || !approver.roles.some((role) => allowed.includes(role))) {
      throw new ApproverRejectedError(
        `Approver "${approver.id}" has none of the roles allowed to decide "${request.tool}"`,
        { approvalId, rejection: 'role' },
      );
    }
  }
  return { id: approver.id, roles: [...approver.roles], chain: [approver.id, ...(approver.chain ?? [])] };
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
