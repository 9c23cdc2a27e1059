import { createHash } from 'node:crypto';
import type { ActionRequest, CallDescriptor, CallOutcome, Decision } from '@palisade/core';
import type { ContentCapture } from './content-capture.js';
import { fastCanonicalJson } from './fast-canonical-json.js';

/** SHA-256 (hex) of the canonical JSON form of `value`. */
export function digestOf(value: unknown): string {
  return createHash('sha256')
    .update(fastCanonicalJson(value ?? null))
    .digest('hex');
}

/** The decision as it is recorded (obligations by type only: their fields may hold content). */
export function decisionData(decision: Decision): Record<string, unknown> {
  return {
    effect: decision.effect,
    reason: decision.reason,
    ruleIds: [...decision.ruleIds],
    policyVersion: decision.policyVersion,
    obligations: decision.obligations.map((obligation) => obligation.type),
  };
}

/** Who asked for what, in what circumstances: everything but the raw input. */
export function requestData(
  request: ActionRequest,
  inputDigest: string,
  capture: ContentCapture,
): Record<string, unknown> {
  const { principal, context } = request;
  return {
    kind: request.kind,
    effect: request.effect,
    target: request.target,
    agent: principal.agent.id,
    user: principal.user?.id,
    roles: principal.user ? [...principal.user.roles] : undefined,
    tenant: principal.user?.tenant,
    delegation: [...principal.delegation],
    task: principal.task,
    tokenId: principal.tokenId,
    sessionId: context.sessionId,
    labels: [...context.labels],
    risk: context.risk,
    audience: context.audience,
    time: context.time,
    inputDigest,
    input: capture.redacted(request.input, { tool: request.name, field: 'input' }),
  };
}

/** The intent record: written before the body runs. */
export function intentData(
  call: CallDescriptor,
  request: ActionRequest,
  decision: Decision,
  inputDigest: string,
  capture: ContentCapture,
): Record<string, unknown> {
  return {
    callId: call.callId,
    tool: call.name,
    request: requestData(request, inputDigest, capture),
    decision: decisionData(decision),
  };
}

/** The error as it is recorded: its stable code, stage and message, never its stack. */
export function errorData(error: Error): Record<string, unknown> {
  const fields = error as Error & { code?: unknown; stage?: unknown };
  return {
    name: error.name,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    stage: typeof fields.stage === 'string' ? fields.stage : undefined,
    message: error.message,
  };
}

/** The result record. A call stopped before its intent carries its request and decision here. */
export function resultData(
  call: CallDescriptor,
  outcome: CallOutcome,
  decided: { request: ActionRequest; decision: Decision; inputDigest: string } | undefined,
  intentWritten: boolean,
  capture: ContentCapture,
): Record<string, unknown> {
  const data: Record<string, unknown> = { callId: call.callId, tool: call.name, status: outcome.status };
  if (outcome.status === 'ok') {
    data.output = capture.redacted(outcome.output, { tool: call.name, field: 'output' });
  } else {
    data.error = errorData(outcome.error);
  }
  if (!intentWritten) {
    data.call = { kind: call.kind, effect: call.effect, target: call.target };
    if (decided) {
      data.request = requestData(decided.request, decided.inputDigest, capture);
      data.decision = decisionData(decided.decision);
    }
  }
  return data;
}
