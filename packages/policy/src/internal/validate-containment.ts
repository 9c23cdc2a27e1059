import { NAME_PATTERN, type PolicyDocument } from '../policy-document.js';
import { ORIGINS } from './provenance-conditions.js';

/** A problem found while validating, located by its path in the document. */
interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Checks the operand of `from`, `carries` or `embeds`: a name, or a non-empty list of names. */
export function provenanceOperandIssues(
  operator: string,
  operand: unknown,
  path: readonly (string | number)[],
): Issue[] {
  const names = typeof operand === 'string' ? [operand] : operand;
  const expected =
    operator === 'carries'
      ? 'a data label or a list of labels (pii, secret, financial, ...)'
      : operator === 'embeds'
        ? 'an origin or a list of origins (user, trusted, untrusted, requested)'
        : 'an origin (user, trusted, untrusted, requested), a tool or a source, or a list of them';
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    !names.every((name) => typeof name === 'string' && NAME_PATTERN.test(name))
  ) {
    return [{ path, message: `expected ${expected}` }];
  }
  if (operator === 'embeds') {
    const unknown = (names as string[]).filter((name) => !ORIGINS.has(name));
    if (unknown.length > 0)
      return [{ path, message: `unknown origin "${unknown[0]}"; expected ${expected}` }];
  }
  return [];
}

/**
 * The checks across parts that provenance needs: untrusted output fields only on untrusted tools,
 * and every name in a `from` an origin, a catalog tool or a declared source.
 */
export function containmentIssues(document: PolicyDocument): Issue[] {
  const issues: Issue[] = [];
  for (const [name, entry] of Object.entries(document.tools)) {
    if (entry.output?.untrusted !== undefined && entry.trust !== 'untrusted') {
      issues.push({
        path: ['tools', name, 'output', 'untrusted'],
        message: 'a tool whose output holds untrusted text must be declared trust: untrusted',
      });
    }
  }
  const known = (name: string): boolean =>
    ORIGINS.has(name) ||
    Object.hasOwn(document.tools, name) ||
    (document.sources !== undefined && Object.hasOwn(document.sources, name));
  const visit = (value: unknown, path: (string | number)[], depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 64) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, [...path, index], depth + 1);
      });
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === 'from' && (typeof child === 'string' || Array.isArray(child))) {
        for (const name of typeof child === 'string' ? [child] : child) {
          if (typeof name === 'string' && NAME_PATTERN.test(name) && !known(name)) {
            issues.push({
              path: [...path, key],
              message: `unknown origin "${name}"; expected user, trusted, untrusted, requested, a catalog tool or a declared source`,
            });
          }
        }
      } else {
        visit(child, [...path, key], depth + 1);
      }
    }
  };
  document.rules.forEach((rule, index) => {
    visit(rule.when, ['rules', index, 'when'], 0);
  });
  document.limits?.forEach((limit, index) => {
    visit(limit.when, ['limits', index, 'when'], 0);
  });
  document.egress?.forEach((rule, index) => {
    visit(rule.when, ['egress', index, 'when'], 0);
  });
  return issues;
}
