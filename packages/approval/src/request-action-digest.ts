import { type ApprovalRequest, actionDigest } from '@palisade/core';

/**
 * The `actionDigest()` of the call a stored request describes (tool, input, agent, user, audience,
 * session, task): what the call presents to `service.consume()` when it resumes. The request's own
 * `digest` is the service's keyed digest of it.
 *
 * @example
 * ```ts
 * const result = await service.consume(request.id, requestActionDigest(request));
 * ```
 */
export function requestActionDigest(request: ApprovalRequest): string {
  return actionDigest({
    tool: request.tool,
    input: request.input,
    agent: request.agent.id,
    user: request.user?.id,
    audience: request.audience,
    session: request.sessionId,
    task: request.task,
  });
}
