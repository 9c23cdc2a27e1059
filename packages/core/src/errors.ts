import type { Decision } from './decision.js';

/**
 * Error classes shared by every Palisade package.
 *
 * Each error carries a stable `code` and a `Symbol.for` brand so that `isInstance()` works across
 * duplicate installs of the package, where `instanceof` would silently fail.
 */

const BRAND = Symbol.for('palisade.error');

/** The stage of the enforcement loop at which a call was stopped. */
export type GuardStage =
  | 'context'
  | 'validate'
  | 'verify'
  | 'scope'
  | 'enrich'
  | 'decide'
  | 'approve'
  | 'obligation'
  | 'intent'
  | 'execute'
  | 'record';

type Branded = { [BRAND]?: readonly string[] };

/**
 * Base class of every error Palisade throws on purpose.
 *
 * @example
 * ```ts
 * if (PalisadeError.isInstance(error)) console.log(error.code);
 * ```
 */
export class PalisadeError extends Error {
  /** Stable, documented identifier of the error kind. */
  readonly code: string = 'ERR_PALISADE';
  declare readonly [BRAND]: readonly string[];
  /** The kind name checked by `isInstance()`; each subclass overrides it. */
  static readonly kind: string = 'PalisadeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let ctor = new.target as unknown; ctor && ctor !== Error; ctor = Object.getPrototypeOf(ctor)) {
      const kind = (ctor as { kind?: unknown }).kind;
      if (typeof kind === 'string' && !kinds.includes(kind)) kinds.push(kind);
    }
    Object.defineProperty(this, BRAND, { value: Object.freeze(kinds), enumerable: false });
    this.name = (new.target as { kind?: string }).kind ?? 'PalisadeError';
  }

  /**
   * True when `error` is an instance of this class (or a subclass), even from another copy of
   * Palisade; a type guard, so the error's fields can be read without a cast.
   */
  static isInstance<T extends abstract new (...args: never[]) => PalisadeError>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null) return false;
    const kinds = (error as Branded)[BRAND];
    return Array.isArray(kinds) && kinds.includes((this as unknown as { kind: string }).kind);
  }
}

/** Options shared by the errors that stop a call. */
export interface AccessDeniedErrorOptions {
  stage: GuardStage;
  /** Name of the tool, retriever or action that was refused. */
  tool?: string | undefined;
  callId?: string | undefined;
  /** The policy decision, when one was reached. */
  decision?: Decision | undefined;
  cause?: unknown;
}

/**
 * The call was refused; the tool body did not run.
 *
 * Every error that stops a guarded call before execution is an `AccessDeniedError` (or a subclass),
 * so `AccessDeniedError.isInstance(error)` answers "was this call blocked?".
 */
export class AccessDeniedError extends PalisadeError {
  static override readonly kind: string = 'AccessDeniedError';
  override readonly code: string = 'ERR_ACCESS_DENIED';
  readonly stage: GuardStage;
  readonly tool: string | undefined;
  readonly callId: string | undefined;
  readonly decision: Decision | undefined;

  constructor(message: string, options: AccessDeniedErrorOptions) {
    super(message, { cause: options.cause });
    this.stage = options.stage;
    this.tool = options.tool;
    this.callId = options.callId;
    this.decision = options.decision;
  }
}

/** One problem found in a tool's input. */
export interface InputIssue {
  /** Dotted path of the offending field (`items[2].amount`), or `(root)`. */
  path: string;
  message: string;
}

/** The input did not match the tool's schema; each issue names the field and the problem. */
export class InputValidationError extends AccessDeniedError {
  static override readonly kind: string = 'InputValidationError';
  override readonly code: 'ERR_INPUT_INVALID' = 'ERR_INPUT_INVALID';
  readonly issues: readonly InputIssue[];

  constructor(
    tool: string,
    issues: readonly InputIssue[],
    options: Omit<AccessDeniedErrorOptions, 'stage'> = {},
  ) {
    const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    super(`Invalid input for "${tool}": ${list}`, { ...options, tool, stage: 'validate' });
    this.issues = Object.freeze([...issues]);
  }
}

/** The caller's credential was missing, malformed, or failed verification. */
export class CredentialError extends AccessDeniedError {
  static override readonly kind: string = 'CredentialError';
  override readonly code: string = 'ERR_CREDENTIAL_INVALID';

  constructor(message: string, options: Partial<AccessDeniedErrorOptions> = {}) {
    super(message, { stage: 'verify', ...options });
  }
}

/** The credential is past its `exp` (or before its `nbf`). */
export class TokenExpiredError extends CredentialError {
  static override readonly kind: string = 'TokenExpiredError';
  override readonly code: 'ERR_TOKEN_EXPIRED' = 'ERR_TOKEN_EXPIRED';
}

/** The credential, its agent, task, key or an ancestor in its delegation chain has been revoked. */
export class TokenRevokedError extends CredentialError {
  static override readonly kind: string = 'TokenRevokedError';
  override readonly code: 'ERR_TOKEN_REVOKED' = 'ERR_TOKEN_REVOKED';
}

/** A human (or the approval policy) refused the action, or the approval could not be used. */
export class ApprovalDeniedError extends AccessDeniedError {
  static override readonly kind: string = 'ApprovalDeniedError';
  override readonly code: 'ERR_APPROVAL_DENIED' = 'ERR_APPROVAL_DENIED';
  readonly approvalId: string | undefined;

  constructor(
    message: string,
    options: Omit<AccessDeniedErrorOptions, 'stage'> & { approvalId?: string | undefined },
  ) {
    super(message, { ...options, stage: 'approve' });
    this.approvalId = options.approvalId;
  }
}

/**
 * Something failed inside the enforcement loop before the tool body ran (a verifier threw, a store
 * was unreachable, a policy returned garbage). Palisade fails closed: the call is denied and the
 * original error is the `cause`. A failure after the body ran is a `CallFailedError` instead.
 */
export class GuardFaultError extends AccessDeniedError {
  static override readonly kind: string = 'GuardFaultError';
  override readonly code: 'ERR_GUARD_FAULT' = 'ERR_GUARD_FAULT';
}

/** Options of a `StageTimeoutError`. */
export interface StageTimeoutErrorOptions extends Omit<AccessDeniedErrorOptions, 'cause'> {
  /** The deadline the stage missed, in milliseconds. */
  timeoutMs: number;
}

/**
 * A stage of the loop missed its deadline (a verifier, decider, store or approval gate that did not
 * answer in time). The call is refused and the tool body never runs.
 *
 * @example
 * ```ts
 * if (StageTimeoutError.isInstance(error)) log.warn(`${error.stage} took over ${error.timeoutMs} ms`);
 * ```
 */
export class StageTimeoutError extends AccessDeniedError {
  static override readonly kind: string = 'StageTimeoutError';
  override readonly code: 'ERR_STAGE_TIMEOUT' = 'ERR_STAGE_TIMEOUT';
  readonly timeoutMs: number;

  constructor(message: string, options: StageTimeoutErrorOptions) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The stages that run after the tool body: meeting `after` obligations and recording the result. */
export type AfterExecutionStage = 'obligation' | 'record';

/** Options of a `CallFailedError`. */
export interface CallFailedErrorOptions {
  stage: AfterExecutionStage;
  tool?: string | undefined;
  callId?: string | undefined;
  /** The decision the call ran under. */
  decision?: Decision | undefined;
  cause?: unknown;
}

/**
 * The tool body ran, then a stage after it failed (an `after` obligation, or recording the result):
 * the action happened, but its output is withheld. This is not a refusal and is deliberately not
 * an `AccessDeniedError`: nothing may tell a model or a user that an action which ran was refused.
 *
 * @example
 * ```ts
 * if (CallFailedError.isInstance(error)) notify(`${error.tool} ran but could not be completed`);
 * ```
 */
export class CallFailedError extends PalisadeError {
  static override readonly kind: string = 'CallFailedError';
  override readonly code: 'ERR_CALL_FAILED' = 'ERR_CALL_FAILED';
  readonly stage: AfterExecutionStage;
  readonly tool: string | undefined;
  readonly callId: string | undefined;
  readonly decision: Decision | undefined;
  /** Always true: the body ran. */
  readonly executed = true as const;

  constructor(message: string, options: CallFailedErrorOptions) {
    super(message, { cause: options.cause });
    this.stage = options.stage;
    this.tool = options.tool;
    this.callId = options.callId;
    this.decision = options.decision;
  }
}

/**
 * The action needs a human decision that has not been made yet. Carries the approval request id so a
 * framework can pause and resume the call with `approvalId` once a reviewer has decided.
 */
export class ApprovalRequiredError extends PalisadeError {
  static override readonly kind: string = 'ApprovalRequiredError';
  override readonly code: 'ERR_APPROVAL_REQUIRED' = 'ERR_APPROVAL_REQUIRED';
  readonly approvalId: string;
  readonly digest: string;
  readonly tool: string;
  readonly callId: string;
  /** Epoch milliseconds after which the request can no longer be approved. */
  readonly expiresAt: number;

  constructor(options: {
    approvalId: string;
    digest: string;
    tool: string;
    callId: string;
    expiresAt: number;
  }) {
    super(`"${options.tool}" needs human approval (request ${options.approvalId})`);
    this.approvalId = options.approvalId;
    this.digest = options.digest;
    this.tool = options.tool;
    this.callId = options.callId;
    this.expiresAt = options.expiresAt;
  }
}
