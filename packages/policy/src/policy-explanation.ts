import type { Decision } from '@palisade/core';
import type { RuleEffect } from './policy-document.js';

/** What explain reports about one rule. */
export interface RuleTrace {
  readonly id: string;
  readonly effect: RuleEffect;
  readonly matched: boolean;
  /** Why the rule matched or not: the subject that did not match, the failing test, what it grants. */
  readonly detail: string;
  /** For a matched allow rule: which permissions it granted. */
  readonly grants?: readonly ('agent' | 'user')[] | undefined;
  /**
   * The rule's `when`, when it was evaluated: `'unknown'` when a value it reads is missing or of a
   * type its test cannot compare (an allow rule then does not apply; a deny or approve rule does).
   */
  readonly condition?: 'true' | 'false' | 'unknown' | undefined;
  /** Set for rules that come from a task grant rather than the document. */
  readonly grant?: string | undefined;
}

/** Why a request got its decision: every check and every rule considered, matched or not. */
export interface PolicyExplanation {
  readonly decision: Decision;
  /** Checks made before and after the rules (catalog, grants, breaker, limits), in order. */
  readonly checks: readonly string[];
  /** Every rule indexed under the requested tool, in document order, with why it matched or not. */
  readonly rules: readonly RuleTrace[];
  /** Which of the two permissions some allow rule granted. */
  readonly permissions: { readonly agent: boolean; readonly user: boolean };
  /** How many rules of the policy were not considered because they cannot apply to this tool. */
  readonly skipped: number;
}
