import { parse } from 'yaml';
import { definePolicy } from './define-policy.js';
import type { EgressRule, PolicyDocument, PolicyRule } from './policy-document.js';
import { PolicyError } from './policy-error.js';

/**
 * The recommended containment profile, as YAML: rules that contain an agent whose instructions
 * were taken over by content it read, written against the catalog's declarations (`trust`,
 * `output`, `critical`, `external`) rather than against any tool by name. It grants nothing: add it
 * to a policy that has its own catalog and allow rules. docs/policy.md explains it rule by rule.
 */
export const RECOMMENDED_PROFILE = `# Palisade recommended containment profile.
# It grants nothing: add these rules to a policy that has its own catalog and allow rules.
rules:
  - id: containment-secrets-stay-in
    description: A value read from data labelled secret never leaves.
    effect: deny
    when:
      resource.external: true
      input: { carries: [secret] }
    reason: a value read from data labelled secret may not leave

  - id: containment-after-secrets-a-human-checks
    description: Once secret data was read, whatever leaves is checked by a human.
    effect: approve
    when:
      resource.external: true
      context.labels: { contains: "data:secret" }
    reason: the session read data labelled secret; a human checks what leaves

  - id: containment-untraced-targets
    description: An action aimed by nobody we trust (not the user, not a trusted field) is refused.
    effect: deny
    when:
      any:
        - resource.effect: { ne: read }
        - resource.external: true
      not: { critical: { from: [user, trusted, requested] } }
    reason: a critical argument came neither from the user nor from a trusted source

  - id: containment-requested-targets-a-human-checks
    description: A target found only in content the user pointed at is checked by a human.
    effect: approve
    when:
      any:
        - resource.effect: { ne: read }
        - resource.external: true
      not: { critical: { from: [user, trusted] } }
    reason: a critical argument is only in content the user asked for; a human checks it

  - id: containment-no-untrusted-values
    description: No action carries a link, address or id that only untrusted content gave.
    effect: deny
    when:
      any:
        - resource.effect: { ne: read }
        - resource.external: true
      input: { embeds: [untrusted] }
    reason: the call carries a value that only untrusted content gave

egress:
  - id: containment-egress-secrets-stay-in
    description: No outbound request carries a value read from data labelled secret.
    effect: deny
    when: { input.url: { carries: [secret] } }
    reason: a value read from data labelled secret may not leave

  - id: containment-egress-untrusted-destinations
    description: After untrusted content, no outbound request goes where only that content pointed.
    effect: deny
    when:
      context.labels: { contains: tainted }
      input.url: { embeds: [untrusted] }
    reason: the destination came from untrusted content
`;

/** Rules (and egress rules) to add to a policy, such as the recommended containment profile. */
export interface PolicyProfile {
  readonly rules: readonly PolicyRule[];
  readonly egress: readonly EgressRule[];
}

/**
 * The recommended containment profile (`RECOMMENDED_PROFILE`), parsed and validated.
 *
 * @example
 * ```ts
 * const policy = applyProfile(parsePolicy(text, { source: 'policy.yaml' }), recommendedProfile());
 * const engine = createPolicyEngine({ policy });
 * ```
 * @see https://github.com/palisade/palisade/blob/main/docs/policy.md#the-recommended-containment-profile
 */
export function recommendedProfile(): PolicyProfile {
  return parseProfile(RECOMMENDED_PROFILE);
}

/** Parses profile text (YAML with `rules` and optionally `egress`) and validates it against an empty catalog. */
export function parseProfile(text: string): PolicyProfile {
  const value = parse(text) as { rules?: unknown; egress?: unknown } | null;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.rules)) {
    throw new PolicyError([{ path: '(root)', message: 'a profile holds a list of rules' }]);
  }
  const checked = definePolicy({
    tools: {},
    rules: value.rules as PolicyRule[],
    ...(value.egress === undefined ? {} : { egress: value.egress as EgressRule[] }),
  });
  return Object.freeze({ rules: checked.rules, egress: checked.egress ?? [] });
}

/**
 * Adds a profile's rules and egress rules to a policy and validates the result (a rule id used by
 * both is an error). Deny and approve rules add restrictions only, so where they go does not matter.
 *
 * @example
 * ```ts
 * const policy = applyProfile(myPolicy, recommendedProfile());
 * ```
 */
export function applyProfile(document: PolicyDocument, profile: PolicyProfile): PolicyDocument {
  return definePolicy({
    ...document,
    rules: [...document.rules, ...profile.rules],
    ...(profile.egress.length === 0 && document.egress === undefined
      ? {}
      : { egress: [...(document.egress ?? []), ...profile.egress] }),
  });
}
