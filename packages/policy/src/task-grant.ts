import type { ApprovalMode, Condition } from './policy-document.js';

/** What the Policy Administrator asks for when granting an agent rights for one task. */
export interface TaskGrantInput {
  /** The agent id (or a glob) the grant is for. */
  readonly agent: string;
  /** The task id; the grant applies only to requests whose `principal.task` equals it. */
  readonly task: string;
  /** Catalog tool names (or globs) the grant covers. */
  readonly tools: readonly string[];
  /**
   * Constraints every covered call must meet (same language as rule conditions). An unknown result
   * (a missing or mistyped value) does not meet them: the grant then gives nothing.
   */
  readonly when?: Condition | undefined;
  /**
   * The user the task is done for. When set, the grant also gives the user permission, for this user
   * only; otherwise the user permission must come from the policy's rules.
   */
  readonly user?: string | undefined;
  /**
   * The session (conversation) the task runs in. When set, the grant applies only to requests whose
   * `context.sessionId` equals it: the same call in another session (or in none) gets nothing.
   */
  readonly session?: string | undefined;
  /** Lifetime in milliseconds from now; or give `expiresAt`. Capped by the engine's `maxGrantTtlMs`. */
  readonly ttlMs?: number | undefined;
  /** Epoch milliseconds. */
  readonly expiresAt?: number | undefined;
  /** How approval applies to covered calls (default `auto`: persistent effects need approval). */
  readonly approval?: ApprovalMode | undefined;
  readonly reason?: string | undefined;
}

/** An issued grant. */
export interface TaskGrant {
  readonly id: string;
  readonly agent: string;
  readonly task: string;
  readonly tools: readonly string[];
  readonly when?: Condition | undefined;
  readonly user?: string | undefined;
  readonly session?: string | undefined;
  readonly approval: ApprovalMode;
  readonly reason?: string | undefined;
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/**
 * The task grants of an engine: just-in-time, task-scoped, time-bound permissions for an agent.
 * They expire on their own and can be revoked at any time; both take effect on the next decision.
 */
export interface TaskGrants {
  /** Issues a grant. Throws `TypeError` for an unknown tool, a bad condition or a lifetime over the cap. */
  issue(grant: TaskGrantInput): TaskGrant;
  /** Revokes one grant; false when it did not exist (or had expired). */
  revoke(id: string): boolean;
  /** Revokes every grant of a task; returns how many were revoked. */
  revokeTask(task: string): number;
  /** The grants in force now. */
  list(): readonly TaskGrant[];
}
