/**
 * Span attribute names and values. The `gen_ai.*` and `user.*` names carry the same strings as the
 * OpenTelemetry GenAI and user semantic conventions; the ones in `@opentelemetry/semantic-conventions`
 * are deprecated or experimental, so Palisade keeps its own constants. Everything Palisade adds lives
 * under `palisade.*`.
 *
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */

/** The instrumentation scope name of every span Palisade starts. */
export const AUDIT_TRACER_NAME = '@palisade/audit';

/** `gen_ai.operation.name`: `execute_tool` for tool calls, `retrieval` for retrievers. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** Name of the tool being executed. */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** The tool call id the model (or framework) gave the call. */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
/** The tool's description. */
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
/** `function`, `extension` or `datastore`. */
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
/** Captured (and redacted) tool arguments, JSON-encoded; only when content capture is on. */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** Captured (and redacted) tool result, JSON-encoded; only when content capture is on. */
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** The acting agent's id (its SPIFFE-style URI). */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
/** The acting agent's display name. */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
/** The conversation (session) the call belongs to. */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
/** The data source a retrieval read from. */
export const ATTR_GEN_AI_DATA_SOURCE_ID = 'gen_ai.data_source.id';
/** The user the agent acts for. */
export const ATTR_USER_ID = 'user.id';
/** The roles of that user. */
export const ATTR_USER_ROLES = 'user.roles';
/** The class of error a failed operation ended with (a Palisade error `code` when there is one). */
export const ATTR_ERROR_TYPE = 'error.type';
/** Event name of an error a tool body threw (OpenTelemetry exception semantic conventions). */
export const EVENT_EXCEPTION = 'exception';
/** The exception's class name, on the exception event. */
export const ATTR_EXCEPTION_TYPE = 'exception.type';
/** The exception's message, on the exception event: only with content capture on, and redacted. */
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';

/** `allow`, `deny` or `approve`. */
export const ATTR_PALISADE_DECISION = 'palisade.decision';
/** Ids of the rules that produced the decision. */
export const ATTR_PALISADE_RULE_IDS = 'palisade.rule_ids';
/** Content hash of the policy that decided. */
export const ATTR_PALISADE_POLICY_VERSION = 'palisade.policy.version';
/** The human-readable reason of the decision. */
export const ATTR_PALISADE_DECISION_REASON = 'palisade.decision.reason';
/** The tool's declared effect: `read`, `write`, `send`, `delete` or `execute`. */
export const ATTR_PALISADE_EFFECT = 'palisade.effect';
/** The action kind: `tool`, `retrieval`, `memory` or `egress`. */
export const ATTR_PALISADE_ACTION_KIND = 'palisade.action.kind';
/** The system the action touches. */
export const ATTR_PALISADE_TARGET = 'palisade.target';
/** HMAC-SHA-256 (hex), under the deployment's digest key, of the canonical (RFC 8785) validated input. */
export const ATTR_PALISADE_INPUT_DIGEST = 'palisade.input.digest';
/** The id of the digest key that made `palisade.input.digest` (it changes when the key is rotated). */
export const ATTR_PALISADE_INPUT_DIGEST_KEY = 'palisade.input.digest_key';
/** The delegation chain, outermost first. */
export const ATTR_PALISADE_DELEGATION_CHAIN = 'palisade.delegation.chain';
/** The task the credential is scoped to. */
export const ATTR_PALISADE_TASK = 'palisade.task';
/** The risk score in [0, 1]. */
export const ATTR_PALISADE_RISK = 'palisade.risk';
/** Session labels in force (`tainted`, ...). */
export const ATTR_PALISADE_SESSION_LABELS = 'palisade.session.labels';
/** The credential's `jti`. */
export const ATTR_PALISADE_TOKEN_ID = 'palisade.token.id';
/** The tenant of the user, when the credential names one. */
export const ATTR_PALISADE_TENANT = 'palisade.tenant';
/** How the call ended: `ok`, `denied`, `pending-approval` or `error`. */
export const ATTR_PALISADE_OUTCOME = 'palisade.outcome';
/** The enforcement stage that stopped a call. */
export const ATTR_PALISADE_STAGE = 'palisade.stage';
/** True when the intent record was written durably before the body ran (strict mode). */
export const ATTR_PALISADE_INTENT_DURABLE = 'palisade.intent.durable';
/** True when this call id was already recorded (a resumed graph re-ran the node). */
export const ATTR_PALISADE_REPLAY = 'palisade.replay';
/** The approval request id. */
export const ATTR_PALISADE_APPROVAL_ID = 'palisade.approval.id';
/** The digest an approval is bound to. */
export const ATTR_PALISADE_APPROVAL_DIGEST = 'palisade.approval.digest';
/** `approved`, `denied`, `expired`, ... */
export const ATTR_PALISADE_APPROVAL_STATUS = 'palisade.approval.status';
/** Who decided an approval. */
export const ATTR_PALISADE_APPROVAL_REVIEWER = 'palisade.approval.reviewer';
/** The identity operation: `issue`, `delegate` or `revoke`. */
export const ATTR_PALISADE_IDENTITY_OPERATION = 'palisade.identity.operation';
/** The subject of an identity operation (agent id, token id, task). */
export const ATTR_PALISADE_IDENTITY_SUBJECT = 'palisade.identity.subject';
/** What a revocation targets: `token`, `agent`, `task`, `key`. */
export const ATTR_PALISADE_IDENTITY_TARGET = 'palisade.identity.target';
/** Epoch seconds at which an issued credential expires. */
export const ATTR_PALISADE_IDENTITY_EXPIRES_AT = 'palisade.identity.expires_at';
/** The policy version before a reload. */
export const ATTR_PALISADE_POLICY_PREVIOUS_VERSION = 'palisade.policy.previous_version';
/** Number of rules in a reloaded policy. */
export const ATTR_PALISADE_POLICY_RULE_COUNT = 'palisade.policy.rule_count';
/** Where a reloaded policy came from (a file path, a URL). */
export const ATTR_PALISADE_POLICY_SOURCE = 'palisade.policy.source';
/** Number of documents a retrieval returned before filtering. */
export const ATTR_PALISADE_RETRIEVAL_RETURNED = 'palisade.retrieval.returned';
/** Number of documents withheld by the retrieval guard. */
export const ATTR_PALISADE_RETRIEVAL_WITHHELD = 'palisade.retrieval.withheld';
/** Number of documents redacted by the retrieval guard. */
export const ATTR_PALISADE_RETRIEVAL_REDACTED = 'palisade.retrieval.redacted';
/** Detector findings on retrieved content (`injection`, `pii`, ...). */
export const ATTR_PALISADE_RETRIEVAL_FINDINGS = 'palisade.retrieval.findings';
/** Sequence number of the audit chain record a span corresponds to. */
export const ATTR_PALISADE_AUDIT_SEQUENCE = 'palisade.audit.sequence';
/** Hash of the chain head a checkpoint signs. */
export const ATTR_PALISADE_AUDIT_HEAD = 'palisade.audit.head';
/** Base64url Ed25519 signature of a checkpoint. */
export const ATTR_PALISADE_AUDIT_SIGNATURE = 'palisade.audit.signature';
/** Id of the key that signed a checkpoint. */
export const ATTR_PALISADE_AUDIT_KEY_ID = 'palisade.audit.key_id';

/** `gen_ai.operation.name` of a guarded tool call. */
export const OPERATION_EXECUTE_TOOL = 'execute_tool';
/** `gen_ai.operation.name` of a guarded retrieval. */
export const OPERATION_RETRIEVAL = 'retrieval';
/**
 * Span name prefix of a guarded call that runs inside its host framework's own `execute_tool` span
 * for the same call (the AI SDK's, say): Palisade's span is then a child of it, not a second
 * `execute_tool` span.
 */
export const SPAN_GUARD = 'palisade.guard';

/** Span names of the events Palisade records besides guarded calls. */
export const SPAN_APPROVAL_REQUEST = 'palisade.approval.request';
/** An approval was decided by a reviewer. */
export const SPAN_APPROVAL_DECISION = 'palisade.approval.decision';
/** An approval was consumed by the call it covers. */
export const SPAN_APPROVAL_CONSUME = 'palisade.approval.consume';
/** An agent credential was issued. */
export const SPAN_IDENTITY_ISSUE = 'palisade.identity.issue';
/** A credential was delegated to a sub-agent. */
export const SPAN_IDENTITY_DELEGATE = 'palisade.identity.delegate';
/** A credential, agent, task or key was revoked. */
export const SPAN_IDENTITY_REVOKE = 'palisade.identity.revoke';
/** A policy was (re)loaded. */
export const SPAN_POLICY_RELOAD = 'palisade.policy.reload';
/** A signed checkpoint of the audit chain. */
export const SPAN_AUDIT_CHECKPOINT = 'palisade.audit.checkpoint';
