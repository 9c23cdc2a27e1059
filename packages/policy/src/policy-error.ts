import { PalisadeError } from '@palisade/core';

/** One problem found in a policy document. */
export interface PolicyIssue {
  /** Where the document came from (a file name), when known. */
  readonly file?: string | undefined;
  /** The offending place, e.g. `rules[3].when.input.amount`, or `(root)`. */
  readonly path: string;
  /** 1-based line and column in the source text, when the document was parsed from text. */
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  /** What is wrong and what was expected. */
  readonly message: string;
}

/**
 * A policy document was malformed or inconsistent. Carries every issue found, each naming the file,
 * the path, the line and what was expected.
 *
 * @example
 * ```ts
 * try {
 *   parsePolicy(text, { source: 'policy.yaml' });
 * } catch (error) {
 *   if (PolicyError.isInstance(error)) for (const issue of error.issues) console.error(formatPolicyIssue(issue));
 * }
 * ```
 */
export class PolicyError extends PalisadeError {
  static override readonly kind: string = 'PolicyError';
  override readonly code: string = 'ERR_POLICY_INVALID';
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], options?: { cause?: unknown }) {
    const shown = issues.slice(0, 20).map((issue) => `  ${formatPolicyIssue(issue)}`);
    const more = issues.length > 20 ? [`  ... and ${issues.length - 20} more`] : [];
    super(
      `Invalid policy (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${[...shown, ...more].join('\n')}`,
      options,
    );
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

/**
 * Formats an issue as `file:line:column path: message`.
 *
 * @example
 * ```ts
 * formatPolicyIssue({ file: 'p.yaml', line: 7, column: 9, path: 'rules[0].effect', message: 'expected allow' });
 * // 'p.yaml:7:9 rules[0].effect: expected allow'
 * ```
 */
export function formatPolicyIssue(issue: PolicyIssue): string {
  let where = issue.file ?? '';
  if (issue.line !== undefined)
    where += `${where === '' ? 'line ' : ':'}${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  return `${where === '' ? '' : `${where} `}${issue.path}: ${issue.message}`;
}
