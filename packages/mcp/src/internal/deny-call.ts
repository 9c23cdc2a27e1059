import { randomUUID } from 'node:crypto';
import { AccessDeniedError, type Enforcement, GuardFaultError, recordRefusal } from '@palisade/core';

/** Why a call was refused before the enforcement loop could take it. */
export type RefusalReason = 'unknown-effect' | 'invalid-tool' | 'context-failed';

const EXPLANATIONS: Readonly<Record<RefusalReason, string>> = Object.freeze({
  'unknown-effect': "its effect is unknown; add it to the policy's tool catalog",
  'invalid-tool': 'the tool cannot be guarded',
  'context-failed': 'the call context could not be read',
});

/**
 * Denies, and records through core's one refusal path, a call the enforcement loop cannot take: a tool whose effect nobody vouched for
 * (not in the policy's catalog, not declared by the application, no annotation says what it does),
 * one `guard()` refuses to wrap, or one whose call context could not be read (a fault).
 *
 * The record names the effect `execute`, the most dangerous one, because that is what such a tool
 * must be assumed to do.
 */
export async function denyCall(
  palisade: Enforcement,
  call: { name: string; target: string | undefined; reason: RefusalReason; cause?: unknown },
): Promise<never> {
  const { name, target, cause } = call;
  const callId = palisade.newCallId?.() ?? randomUUID();
  const detail = cause instanceof Error ? ` (${cause.message})` : '';
  const message = `Denied "${name}": ${EXPLANATIONS[call.reason]}${detail}`;
  const options = { stage: 'context', tool: name, callId, cause } as const;
  const denial =
    call.reason === 'context-failed'
      ? new GuardFaultError(message, options)
      : new AccessDeniedError(message, options);
  await recordRefusal(palisade.recorder, { kind: 'tool', name, effect: 'execute', callId, target }, denial);
  throw denial;
}
