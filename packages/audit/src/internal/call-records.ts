import {
  AccessDeniedError,
  type ActionRequest,
  ApprovalRequiredError,
  type CallDescriptor,
  type CallOutcome,
  type Decision,
  type DigestKey,
  GuardFaultError,
  keyedDigest,
  redactSecrets,
} from '@palisade/core';
import { REDACTED } from '../field-redactor.js';
import type { ContentCapture } from './content-capture.js';
import { fastCanonicalJson } from './fast-canonical-json.js';

/**
 * HMAC-SHA-256 (hex) of the canonical JSON form of `value` under the deployment's digest key: it
 * correlates equal inputs without letting anyone who lacks the key test guesses (a PIN, an amount).
 */
export function digestOf(key: DigestKey, value: unknown): string {
  return keyedDigest(key, fastCanonicalJson(value ?? null));
}

/** A keyed input digest and the id of the key that made it. */
export interface InputDigest {
  readonly value: string;
  readonly keyId: string;
}

// Every object below is built with its keys in code-unit order, so `fastCanonicalJson` can hand it
// to JSON.stringify as it is.

/** The decision as it is recorded (obligations by type only: their fields may hold content). */
export function decisionData(decision: Decision): Record<string, unknown> {
  return {
    effect: decision.effect,
    obligations: decision.obligations.map((obligation) => obligation.type),
    policyVersion: decision.policyVersion,
    reason: decision.reason,
    ruleIds: [...decision.ruleIds],
  };
}

/** Who asked for what, in what circumstances: everything but the raw input. */
export function requestData(
  request: ActionRequest,
  inputDigest: InputDigest,
  capture: ContentCapture,
): Record<string, unknown> {
  const { principal, context } = request;
  return {
    agent: principal.agent.id,
    audience: context.audience,
    delegation: [...principal.delegation],
    effect: request.effect,
    input: capture.redacted(request.input, { tool: request.name, field: 'input' }),
    inputDigest: inputDigest.value,
    inputDigestKey: inputDigest.keyId,
    kind: request.kind,
    labels: [...context.labels],
    risk: context.risk,
    roles: principal.user ? [...principal.user.roles] : undefined,
    sessionId: context.sessionId,
    target: request.target,
    task: principal.task,
    tenant: principal.user?.tenant,
    time: context.time,
    tokenId: principal.tokenId,
    user: principal.user?.id,
  };
}

/** The intent record: written before the body runs. */
export function intentData(
  call: CallDescriptor,
  request: ActionRequest,
  decision: Decision,
  inputDigest: InputDigest,
  capture: ContentCapture,
  approvalId: string | undefined,
): Record<string, unknown> {
  return {
    approvalId,
    callId: call.callId,
    decision: decisionData(decision),
    request: requestData(request, inputDigest, capture),
    tool: call.name,
  };
}

/** The error as it is recorded: its stable code, stage and message, never its stack. */
/**
 * The error as it is recorded: its type, stable `code` and stage always; its message only when
 * `errorMessage` allows it.
 */
export function errorData(error: Error, capture: ContentCapture, tool: string): Record<string, unknown> {
  const fields = error as Error & { code?: unknown; stage?: unknown };
  return {
    code: typeof fields.code === 'string' ? fields.code : undefined,
    message: errorMessage(error, capture, tool),
    name: error.name,
    stage: typeof fields.stage === 'string' ? fields.stage : undefined,
  };
}

/**
 * The message an error may leave in telemetry. Palisade's own refusals (the `AccessDeniedError`
 * family and `ApprovalRequiredError`) word their messages themselves and keep them, except that a
 * `GuardFaultError` keeps only its stage unless content is captured. Any other error
 * (one thrown by a tool body, most often) is content: its message may echo inputs, URLs or keys, so
 * it is recorded only when content capture is on, and then through the same redactors as inputs
 * and outputs. A redactor that turns the message into anything but a string yields `[REDACTED]`.
 */
export function errorMessage(error: Error, capture: ContentCapture, tool: string): string | undefined {
  if (GuardFaultError.isInstance(error)) {
    // A fault quotes the failing part's own error (a store's or a verifier's), which may name a
    // connection string or a URL: keep only which stage failed unless content capture is on.
    const redacted = capture.redacted(error.message, { tool, field: 'error' });
    if (typeof redacted === 'string') return redacted;
    return `Denied "${tool}": the ${(error as GuardFaultError).stage} stage failed`;
  }
  // Our own wording, but it may quote a part that failed (a verifier's message, a custom decider's
  // reason): the secret detector runs over it whether content is captured or not.
  if (AccessDeniedError.isInstance(error) || ApprovalRequiredError.isInstance(error))
    return withoutSecrets(error.message);
  const redacted = capture.redacted(error.message, { tool, field: 'error' });
  if (redacted === undefined) return undefined;
  return typeof redacted === 'string' ? redacted : REDACTED;
}

/** `text` with every secret the default detector finds replaced by `[REDACTED]`. */
export function withoutSecrets(text: string): string {
  return redactSecrets(text, { replacement: REDACTED });
}

/** The result record. A call stopped before its intent carries its request and decision here. */
export function resultData(
  call: CallDescriptor,
  outcome: CallOutcome,
  decided: { request: ActionRequest; decision: Decision; inputDigest: InputDigest } | undefined,
  intentWritten: boolean,
  capture: ContentCapture,
): Record<string, unknown> {
  const withoutIntent = !intentWritten;
  return {
    call: withoutIntent ? { effect: call.effect, kind: call.kind, target: call.target } : undefined,
    callId: call.callId,
    decision: withoutIntent && decided ? decisionData(decided.decision) : undefined,
    error: outcome.status === 'ok' ? undefined : errorData(outcome.error, capture, call.name),
    output:
      outcome.status === 'ok'
        ? capture.redacted(outcome.output, { tool: call.name, field: 'output' })
        : undefined,
    request:
      withoutIntent && decided ? requestData(decided.request, decided.inputDigest, capture) : undefined,
    status: outcome.status,
    tool: call.name,
  };
}
