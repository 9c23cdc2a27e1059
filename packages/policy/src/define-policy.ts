import { frozenCopy } from './internal/freeze.js';
import { validateDocument } from './internal/validate-document.js';
import { formatPath } from './parse-policy.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyError } from './policy-error.js';

/**
 * Validates a policy written in TypeScript and returns a frozen copy: the typed counterpart of
 * `parsePolicy`, producing the same document (and so the same version) as the equivalent YAML.
 *
 * @example
 * ```ts
 * const policy = definePolicy({
 *   tools: { get_ticket: { effect: 'read', target: 'helpdesk', trust: 'untrusted' } },
 *   rules: [{ id: 'read-tickets', effect: 'allow', tools: ['get_ticket'], agents: ['spiffe://acme.example/agent/support'], roles: ['support'] }],
 * });
 * ```
 */
export function definePolicy(document: PolicyDocument): PolicyDocument {
  let copy: unknown;
  try {
    copy = structuredClone(document);
  } catch (error) {
    throw new PolicyError(
      [{ path: '(root)', message: 'expected plain JSON data (predicates are given to the engine by name)' }],
      {
        cause: error,
      },
    );
  }
  const result = validateDocument(copy);
  if (!result.ok) {
    throw new PolicyError(
      result.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    );
  }
  return frozenCopy(result.document);
}
