import type { Attributes, Tracer } from '@opentelemetry/api';
import {
  ATTR_PALISADE_POLICY_PREVIOUS_VERSION,
  ATTR_PALISADE_POLICY_RULE_COUNT,
  ATTR_PALISADE_POLICY_SOURCE,
  ATTR_PALISADE_POLICY_VERSION,
  SPAN_POLICY_RELOAD,
} from './attributes.js';
import { type AuditEventOptions, auditEvent } from './audit-event.js';

/** A policy (re)load. */
export interface PolicyReloadEvent {
  /** Content hash of the policy now in force (of the rejected one, when `error` is set). */
  readonly version: string;
  readonly previousVersion?: string | undefined;
  readonly ruleCount?: number | undefined;
  /** Where it came from: a file path, a URL. */
  readonly source?: string | undefined;
}

/**
 * Records a policy load or reload as a `palisade.policy.reload` span; a rejected reload (the old
 * policy stays in force) is recorded with `options.error`.
 *
 * @example
 * ```ts
 * recordPolicyReloadSpan(tracer, { version: next.version, previousVersion: current.version, ruleCount: 12 });
 * ```
 */
export function recordPolicyReloadSpan(
  tracer: Tracer | undefined,
  event: PolicyReloadEvent,
  options?: AuditEventOptions,
): void {
  if (typeof event?.version !== 'string')
    throw new TypeError('recordPolicyReloadSpan(): event.version must be a string');
  const attributes: Attributes = { [ATTR_PALISADE_POLICY_VERSION]: event.version };
  if (event.previousVersion !== undefined)
    attributes[ATTR_PALISADE_POLICY_PREVIOUS_VERSION] = event.previousVersion;
  if (event.ruleCount !== undefined) attributes[ATTR_PALISADE_POLICY_RULE_COUNT] = event.ruleCount;
  if (event.source !== undefined) attributes[ATTR_PALISADE_POLICY_SOURCE] = event.source;
  auditEvent(tracer, SPAN_POLICY_RELOAD, attributes, options);
}
