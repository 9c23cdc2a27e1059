import {
  type Attributes,
  diag,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type ActionRequest,
  type AuditRecorder,
  type AuditScope,
  type CallDescriptor,
  type CallOutcome,
  createDigestKey,
  type Decision,
  type DigestKey,
  isDigestKey,
  isPersistentEffect,
  type Principal,
} from '@palisade/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_PALISADE_ACTION_KIND,
  ATTR_PALISADE_APPROVAL_ID,
  ATTR_PALISADE_AUDIT_SEQUENCE,
  ATTR_PALISADE_DECISION,
  ATTR_PALISADE_DECISION_REASON,
  ATTR_PALISADE_DELEGATION_CHAIN,
  ATTR_PALISADE_EFFECT,
  ATTR_PALISADE_INPUT_DIGEST,
  ATTR_PALISADE_INPUT_DIGEST_KEY,
  ATTR_PALISADE_INTENT_DURABLE,
  ATTR_PALISADE_OUTCOME,
  ATTR_PALISADE_POLICY_VERSION,
  ATTR_PALISADE_REPLAY,
  ATTR_PALISADE_RISK,
  ATTR_PALISADE_RULE_IDS,
  ATTR_PALISADE_SESSION_LABELS,
  ATTR_PALISADE_STAGE,
  ATTR_PALISADE_TARGET,
  ATTR_PALISADE_TASK,
  ATTR_PALISADE_TENANT,
  ATTR_PALISADE_TOKEN_ID,
  ATTR_USER_ID,
  ATTR_USER_ROLES,
  AUDIT_TRACER_NAME,
  EVENT_EXCEPTION,
  OPERATION_EXECUTE_TOOL,
  OPERATION_RETRIEVAL,
  SPAN_GUARD,
} from './attributes.js';
import type { AuditChain } from './audit-chain.js';
import {
  digestOf,
  errorData,
  type InputDigest,
  intentData,
  resultData,
  withoutSecrets,
} from './internal/call-records.js';
import {
  type CaptureContentOption,
  type ContentCapture,
  resolveContentCapture,
} from './internal/content-capture.js';
import { AUDIT_VERSION } from './internal/version.js';

/** Receives every decision as it is made: the behaviour monitor's feed. */
export interface DecisionObserver {
  observe(request: ActionRequest, decision: Decision): void;
}

/** Options of `createOtelRecorder`. */
export interface OtelRecorderOptions {
  /** The tracer to start spans on; defaults to the global provider's `@palisade/audit` tracer. */
  readonly tracer?: Tracer | undefined;
  /**
   * Capture tool inputs and outputs in spans and chain records. Off by default (secrets stay out of
   * telemetry); `{ redact: ['card.number', '**.password'] }` captures with those fields redacted.
   */
  readonly captureContent?: CaptureContentOption | undefined;
  /**
   * Strict mode: for side-effecting tools (every effect but `read`) the intent record is durably in
   * the chain before the body runs, and the call is denied if it cannot be written; a successful
   * call returns only once its result record is durable too (otherwise its output is withheld and
   * the caller gets a `GuardFaultError`). Read-only tools are recorded best-effort. Needs `chain`.
   */
  readonly strict?: boolean | undefined;
  /** The tamper-evident log that receives an intent and a result record per call. */
  readonly chain?: AuditChain | undefined;
  /** Told of every decision, in order (e.g. the policy package's behaviour monitor). */
  readonly observers?: readonly DecisionObserver[] | undefined;
  /**
   * The per-deployment key of the input digests in spans and chain records
   * (`createDigestKey(secret)` of `@palisade/core`, the same secret on every replica). Without one,
   * a random key is made per recorder: digests are still keyed (a low-entropy input cannot be
   * recovered by hashing guesses), but equal inputs correlate only within this process.
   */
  readonly digestKey?: DigestKey | undefined;
}

interface Decided {
  request: ActionRequest;
  decision: Decision;
  inputDigest: InputDigest;
}

/**
 * Creates an `AuditRecorder` that makes OpenTelemetry spans the audit channel: one span per guarded
 * call (`execute_tool {tool}`, or `retrieval {source}` for retrievers) carrying the GenAI attributes,
 * the principal and the decision, with the tool body running inside the span's context so the spans
 * it starts nest under it. With a `chain`, every call also leaves hash-chained intent and result
 * records.
 *
 * Inputs and outputs are captured only when `captureContent` says so, and then redacted. So is the
 * message of an error the tool body throws: without capture, a failed call's span names the error's
 * type, `code` and stage only, never its message or stack (Palisade's own refusals keep theirs).
 *
 * @example
 * ```ts
 * const recorder = createOtelRecorder({ captureContent: { redact: ['card.number'] } });
 * const refund = guard(refundTool, { verifier, decider, recorder });
 * ```
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/#execute-tool-span
 */
export function createOtelRecorder(options: OtelRecorderOptions = {}): AuditRecorder {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createOtelRecorder(): options must be an object');
  }
  if (options.tracer !== undefined && typeof options.tracer?.startActiveSpan !== 'function') {
    throw new TypeError('createOtelRecorder(): options.tracer must be an OpenTelemetry Tracer');
  }
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw new TypeError('createOtelRecorder(): options.strict must be a boolean');
  }
  const chain = options.chain;
  if (chain !== undefined && typeof chain?.append !== 'function') {
    throw new TypeError('createOtelRecorder(): options.chain must be an AuditChain');
  }
  const strict = options.strict === true;
  if (strict && chain === undefined) {
    throw new TypeError(
      'createOtelRecorder(): options.strict needs options.chain to write intent records to',
    );
  }
  const observers = [...(options.observers ?? [])];
  for (const [index, observer] of observers.entries()) {
    if (typeof observer?.observe !== 'function') {
      throw new TypeError(`createOtelRecorder(): options.observers[${index}] must have observe()`);
    }
  }
  const capture = resolveContentCapture(options.captureContent, 'createOtelRecorder()');
  if (options.digestKey !== undefined && !isDigestKey(options.digestKey)) {
    throw new TypeError('createOtelRecorder(): options.digestKey must come from createDigestKey()');
  }
  const digestKey = options.digestKey ?? createDigestKey(crypto.getRandomValues(new Uint8Array(32)));
  const inputDigestOf = (input: unknown): InputDigest => ({
    value: digestOf(digestKey, input),
    keyId: digestKey.id,
  });
  // A reason is written by the decider (the policy's own quote no call value, a custom decider's
  // may): the secret detector runs over each distinct reason once. Reasons repeat (one per rule),
  // so a small memo keeps the detector off the hot path; it is cleared when full, never grows.
  const cleanReasons = new Map<string, string>();
  function safeDecision(decision: Decision): Decision {
    let reason = cleanReasons.get(decision.reason);
    if (reason === undefined) {
      reason = withoutSecrets(decision.reason);
      if (cleanReasons.size >= 1_000) cleanReasons.clear();
      cleanReasons.set(decision.reason, reason);
    }
    return reason === decision.reason ? decision : { ...decision, reason };
  }
  const tracer = options.tracer ?? trace.getTracer(AUDIT_TRACER_NAME, AUDIT_VERSION);

  function spanName(call: CallDescriptor, nested: boolean): string {
    if (nested) return `${SPAN_GUARD} ${call.name}`;
    return `${call.kind === 'retrieval' ? OPERATION_RETRIEVAL : OPERATION_EXECUTE_TOOL} ${call.name}`;
  }

  // What is static per tool (name, kind, effect, target) is built once per tool and shape; the
  // per-call id is added to a copy. Bounded: cleared when full, never grows.
  const staticAttributes = new Map<string, Attributes>();
  // Held weakly: a principal nobody uses any more takes its attributes with it.
  const principals = new WeakMap<Principal, PrincipalAttributes>();
  function startAttributes(call: CallDescriptor, nested: boolean): Attributes {
    const cacheKey = `${nested ? 'n' : 'o'}\u0000${call.kind}\u0000${call.effect}\u0000${call.target ?? ''}\u0000${call.name}`;
    let fixed = staticAttributes.get(cacheKey);
    if (fixed === undefined) {
      fixed = buildStartAttributes(call, nested);
      if (staticAttributes.size >= 1_000) staticAttributes.clear();
      staticAttributes.set(cacheKey, fixed);
    }
    return { ...fixed, [ATTR_GEN_AI_TOOL_CALL_ID]: call.callId };
  }

  function buildStartAttributes(call: CallDescriptor, nested: boolean): Attributes {
    if (nested) {
      // The host's span is the GenAI `execute_tool` span of this call; this one only guards it.
      const attributes: Attributes = {
        [ATTR_GEN_AI_TOOL_NAME]: call.name,
        [ATTR_PALISADE_ACTION_KIND]: call.kind,
        [ATTR_PALISADE_EFFECT]: call.effect,
      };
      if (call.target !== undefined) attributes[ATTR_PALISADE_TARGET] = call.target;
      return attributes;
    }
    const retrieval = call.kind === 'retrieval';
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: retrieval ? OPERATION_RETRIEVAL : OPERATION_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: call.name,
      [ATTR_GEN_AI_TOOL_TYPE]: retrieval ? 'datastore' : 'function',
      [ATTR_PALISADE_ACTION_KIND]: call.kind,
      [ATTR_PALISADE_EFFECT]: call.effect,
    };
    if (retrieval) attributes[ATTR_GEN_AI_DATA_SOURCE_ID] = call.name;
    if (call.target !== undefined) attributes[ATTR_PALISADE_TARGET] = call.target;
    return attributes;
  }

  /** Strict mode waits for durability on side-effecting calls only; reads stay best-effort. */
  function mustBeDurable(call: CallDescriptor): boolean {
    return strict && isPersistentEffect(call.effect);
  }

  return {
    record<T>(call: CallDescriptor, run: (scope: AuditScope) => Promise<T>): Promise<T> {
      const nested = insideHostToolSpan(call);
      return tracer.startActiveSpan(
        spanName(call, nested),
        { kind: SpanKind.INTERNAL, attributes: startAttributes(call, nested) },
        async (span) => {
          let decided: Decided | undefined;
          let intentWritten = false;
          let settled = false;
          const durable = mustBeDurable(call);

          const scope: AuditScope = {
            decided(request, given) {
              // A span that is not recorded (sampled out, no SDK) gets no attributes: nothing is
              // computed for it unless the chain needs it.
              const recording = span.isRecording();
              if (recording || chain) {
                const decision = safeDecision(given);
                const inputDigest = inputDigestOf(request.input);
                // Only the chain's records read it back.
                if (chain) decided = { request, decision, inputDigest };
                if (recording) {
                  setDecisionAttributes(span, decision, inputDigest);
                  span.setAttributes(principalAttributesOf(principals, request.principal));
                  setContextAttributes(span, request);
                }
              }
              if (capture.enabled && span.isRecording()) {
                const argumentsJson = capture.serialize(request.input, { tool: call.name, field: 'input' });
                if (argumentsJson !== undefined)
                  span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, argumentsJson);
              }
              // An observer that throws denies the call: the behaviour feed is part of the loop.
              for (const observer of observers) notify(observer, request, given);
            },
            async intent(request, decision, details) {
              if (details?.approvalId !== undefined)
                span.setAttribute(ATTR_PALISADE_APPROVAL_ID, details.approvalId);
              if (!chain) return;
              const inputDigest = decided?.inputDigest ?? inputDigestOf(request.input);
              const appended = chain.append(
                {
                  type: 'intent',
                  key: `intent:${call.callId}`,
                  data: intentData(
                    call,
                    request,
                    safeDecision(decision),
                    inputDigest,
                    capture,
                    details?.approvalId,
                  ),
                },
                { durable },
              );
              if (durable) {
                const receipt = await appended;
                intentWritten = true;
                span.setAttribute(ATTR_PALISADE_INTENT_DURABLE, true);
                markReceipt(span, receipt);
              } else {
                intentWritten = true;
                appended.then((receipt) => markReceipt(span, receipt), reportBestEffortFailure);
              }
            },
            // Not async: without a durable record to wait for there is nothing to await, and the
            // guard then goes on without a microtask hop. It still never throws synchronously.
            result(outcome) {
              try {
                if (settled) return;
                settled = true;
                applyOutcome(
                  span,
                  outcome,
                  capture.enabled && outcome.status === 'ok'
                    ? capture.serialize(outcome.output, { tool: call.name, field: 'output' })
                    : undefined,
                  capture,
                  call.name,
                );
                if (!chain) return;
                const appended = chain.append(
                  {
                    type: 'result',
                    key: `result:${call.callId}:${outcome.status}`,
                    data: resultData(call, outcome, decided, intentWritten, capture),
                  },
                  { durable },
                );
                // A successful call returns only once its result is durable; a call that already
                // failed keeps its own error, and a lost record of that failure goes to diag.
                if (durable && outcome.status === 'ok') return appended.then(() => undefined);
                appended.catch(reportBestEffortFailure);
                return undefined;
              } catch (error) {
                return Promise.reject(error);
              }
            },
          };

          try {
            return await run(scope);
          } catch (error) {
            if (!settled) {
              // The loop failed without reporting an outcome; the span still tells.
              applyOutcome(span, { status: 'error', error: toError(error) }, undefined, capture, call.name);
            }
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}

function notify(observer: DecisionObserver, request: ActionRequest, decision: Decision): void {
  const returned: unknown = observer.observe(request, decision);
  if (returned instanceof Promise) returned.catch(reportBestEffortFailure);
}

function reportBestEffortFailure(error: unknown): void {
  diag.error('@palisade/audit: a best-effort audit record could not be written', error);
}

/** Best-effort receipts can arrive after the span ended; they are then only in the chain. */
function markReceipt(span: Span, receipt: Awaited<ReturnType<AuditChain['append']>>): void {
  if (!span.isRecording()) return;
  if (receipt.status === 'duplicate') span.setAttribute(ATTR_PALISADE_REPLAY, true);
  else span.setAttribute(ATTR_PALISADE_AUDIT_SEQUENCE, receipt.sequence);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Sets the decision's attributes one by one, in a fixed order: no intermediate attribute object per
 * call. Array values are passed as they are; the SDK copies them itself.
 */
function setDecisionAttributes(span: Span, decision: Decision, inputDigest: InputDigest): void {
  span.setAttribute(ATTR_PALISADE_DECISION, decision.effect);
  span.setAttribute(ATTR_PALISADE_RULE_IDS, decision.ruleIds as string[]);
  span.setAttribute(ATTR_PALISADE_POLICY_VERSION, decision.policyVersion);
  span.setAttribute(ATTR_PALISADE_DECISION_REASON, decision.reason);
  span.setAttribute(ATTR_PALISADE_INPUT_DIGEST, inputDigest.value);
  span.setAttribute(ATTR_PALISADE_INPUT_DIGEST_KEY, inputDigest.keyId);
}

/** The per-call context: session labels, risk, session id. */
function setContextAttributes(span: Span, request: ActionRequest): void {
  const { context } = request;
  // Empty arrays carry nothing and are left out.
  if (context.labels.length > 0) span.setAttribute(ATTR_PALISADE_SESSION_LABELS, context.labels as string[]);
  if (context.risk !== undefined) span.setAttribute(ATTR_PALISADE_RISK, context.risk);
  if (context.sessionId !== undefined) span.setAttribute(ATTR_GEN_AI_CONVERSATION_ID, context.sessionId);
}

/** A principal's attributes, with what they were built from so a changed principal is noticed. */
interface PrincipalAttributes {
  readonly agent: string;
  readonly user: string | undefined;
  readonly roles: readonly string[] | undefined;
  readonly rolesLength: number;
  readonly task: string | undefined;
  readonly tokenId: string | undefined;
  readonly delegation: readonly string[];
  readonly attributes: Attributes;
}

/**
 * The principal's attributes, built once per principal object: a verifier's token cache hands out
 * the same principal for every call made with one token, so they are built once per token. The
 * fields that say who acted are compared on every call, so a principal changed in place (misuse)
 * is described afresh rather than from the cache.
 */
function principalAttributesOf(
  cache: WeakMap<Principal, PrincipalAttributes>,
  principal: Principal,
): Attributes {
  const user = principal.user;
  const cached = cache.get(principal);
  if (
    cached !== undefined &&
    cached.agent === principal.agent.id &&
    cached.user === user?.id &&
    cached.roles === user?.roles &&
    cached.rolesLength === (user?.roles.length ?? 0) &&
    cached.task === principal.task &&
    cached.tokenId === principal.tokenId &&
    cached.delegation === principal.delegation
  )
    return cached.attributes;
  const attributes: Attributes = { [ATTR_GEN_AI_AGENT_ID]: principal.agent.id };
  // Empty arrays carry nothing and are left out.
  if (principal.delegation.length > 0) attributes[ATTR_PALISADE_DELEGATION_CHAIN] = [...principal.delegation];
  if (principal.agent.name !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = principal.agent.name;
  if (user) {
    attributes[ATTR_USER_ID] = user.id;
    attributes[ATTR_USER_ROLES] = [...user.roles];
    if (user.tenant !== undefined) attributes[ATTR_PALISADE_TENANT] = user.tenant;
  }
  if (principal.task !== undefined) attributes[ATTR_PALISADE_TASK] = principal.task;
  if (principal.tokenId !== undefined) attributes[ATTR_PALISADE_TOKEN_ID] = principal.tokenId;
  cache.set(principal, {
    agent: principal.agent.id,
    user: user?.id,
    roles: user?.roles,
    rolesLength: user?.roles.length ?? 0,
    task: principal.task,
    tokenId: principal.tokenId,
    delegation: principal.delegation,
    attributes,
  });
  return attributes;
}

function applyOutcome(
  span: Span,
  outcome: CallOutcome,
  outputJson: string | undefined,
  capture: ContentCapture,
  tool: string,
): void {
  span.setAttribute(ATTR_PALISADE_OUTCOME, outcome.status);
  if (outcome.status === 'ok') {
    if (outputJson !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, outputJson);
    return;
  }
  const error = errorData(outcome.error, capture, tool);
  span.setAttribute(ATTR_ERROR_TYPE, typeof error.code === 'string' ? error.code : outcome.error.name);
  if (typeof error.stage === 'string') span.setAttribute(ATTR_PALISADE_STAGE, error.stage);
  if (outcome.status === 'pending-approval') return;
  // Denials and faults are errors on the span, so every backend surfaces them. The message is
  // there only when it may be (ours, or captured and redacted); `error.type` always says what failed.
  const message = typeof error.message === 'string' ? error.message : undefined;
  span.setStatus(
    message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message },
  );
  if (outcome.status === 'error') {
    // Not `recordException`: it would copy the raw message and the stack trace into the span.
    const attributes: Attributes = { [ATTR_EXCEPTION_TYPE]: outcome.error.name };
    if (message !== undefined) attributes[ATTR_EXCEPTION_MESSAGE] = message;
    span.addEvent(EVENT_EXCEPTION, attributes);
  }
}

/**
 * Whether a tool call runs inside its host framework's own `execute_tool` span for the same call
 * (the AI SDK's OpenTelemetry integration makes one around every tool execution). The OpenTelemetry
 * API cannot read a span's name or attributes, so this reads what the SDK's spans expose (`name`,
 * `attributes`); a span that exposes neither is not recognised, and the call keeps its own
 * `execute_tool` span.
 */
function insideHostToolSpan(call: CallDescriptor): boolean {
  if (call.kind === 'retrieval') return false;
  const active = trace.getActiveSpan() as
    | { readonly name?: unknown; readonly attributes?: Readonly<Record<string, unknown>> }
    | undefined;
  if (active?.name !== `${OPERATION_EXECUTE_TOOL} ${call.name}`) return false;
  const callId = active.attributes?.[ATTR_GEN_AI_TOOL_CALL_ID];
  return callId === undefined || callId === call.callId;
}
