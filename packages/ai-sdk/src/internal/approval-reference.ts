const REFERENCE = /\s\(Palisade approval ([A-Za-z0-9._:-]{1,128})\)$/;

/**
 * Appends the Palisade approval request id to the reason shown with an AI SDK approval request. The
 * reason travels with the conversation (and through UI messages as `requestReason`), which is what
 * lets a later request, in any process, find the Palisade approval again. The id is only a
 * pointer: an approval is used only if its digest matches the actual call, it was approved by an
 * authorised approver (a decision signed by the approval service), it has not expired, and it was
 * not used before; using it consumes it.
 */
export function withApprovalReference(reason: string, approvalId: string): string {
  return `${reason} (Palisade approval ${approvalId})`;
}

/** The Palisade approval request id referenced by an approval request's reason, if any. */
export function approvalReferenceOf(reason: string | undefined): string | undefined {
  if (typeof reason !== 'string') return undefined;
  return REFERENCE.exec(reason)?.[1];
}
