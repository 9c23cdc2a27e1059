import type { Attributes, Tracer } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_PALISADE_DELEGATION_CHAIN,
  ATTR_PALISADE_IDENTITY_EXPIRES_AT,
  ATTR_PALISADE_IDENTITY_OPERATION,
  ATTR_PALISADE_IDENTITY_SUBJECT,
  ATTR_PALISADE_IDENTITY_TARGET,
  ATTR_PALISADE_TASK,
  ATTR_PALISADE_TOKEN_ID,
  ATTR_USER_ID,
  SPAN_IDENTITY_DELEGATE,
  SPAN_IDENTITY_ISSUE,
  SPAN_IDENTITY_REVOKE,
} from './attributes.js';
import { type AuditEventOptions, auditEvent } from './audit-event.js';

/** One identity operation. */
export interface IdentityEvent {
  readonly operation: 'issue' | 'delegate' | 'revoke';
  /** What the operation is about: the agent issued to, the delegate, the revoked token/agent/task/key. */
  readonly subject: string;
  /** For `revoke`: `token`, `agent`, `task` or `key`. */
  readonly target?: string | undefined;
  readonly agentId?: string | undefined;
  readonly userId?: string | undefined;
  readonly tokenId?: string | undefined;
  readonly task?: string | undefined;
  readonly delegation?: readonly string[] | undefined;
  /** Epoch seconds at which the issued credential expires. */
  readonly expiresAt?: number | undefined;
}

const NAMES = { issue: SPAN_IDENTITY_ISSUE, delegate: SPAN_IDENTITY_DELEGATE, revoke: SPAN_IDENTITY_REVOKE };

/**
 * Records a credential issuance, delegation or revocation as a `palisade.identity.*` span. Tokens
 * themselves are never recorded, only their ids.
 *
 * @example
 * ```ts
 * recordIdentitySpan(tracer, { operation: 'revoke', subject: jti, target: 'token' });
 * ```
 */
export function recordIdentitySpan(
  tracer: Tracer | undefined,
  event: IdentityEvent,
  options?: AuditEventOptions,
): void {
  const name = NAMES[event?.operation];
  if (!name) throw new TypeError('recordIdentitySpan(): event.operation must be issue, delegate or revoke');
  const attributes: Attributes = {
    [ATTR_PALISADE_IDENTITY_OPERATION]: event.operation,
    [ATTR_PALISADE_IDENTITY_SUBJECT]: event.subject,
  };
  if (event.target !== undefined) attributes[ATTR_PALISADE_IDENTITY_TARGET] = event.target;
  if (event.agentId !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = event.agentId;
  if (event.userId !== undefined) attributes[ATTR_USER_ID] = event.userId;
  if (event.tokenId !== undefined) attributes[ATTR_PALISADE_TOKEN_ID] = event.tokenId;
  if (event.task !== undefined) attributes[ATTR_PALISADE_TASK] = event.task;
  if (event.delegation !== undefined) attributes[ATTR_PALISADE_DELEGATION_CHAIN] = [...event.delegation];
  if (event.expiresAt !== undefined) attributes[ATTR_PALISADE_IDENTITY_EXPIRES_AT] = event.expiresAt;
  auditEvent(tracer, name, attributes, options);
}
