import type { ActionRequest, Principal, RequestContext } from '@palisade/core';

/** What the catalog says about the tool a request is for: the `resource` root of condition paths. */
export interface ResourceFacts {
  readonly name: string;
  readonly kind: string;
  readonly effect: string;
  readonly target?: string | undefined;
  readonly sensitivity?: string | undefined;
  readonly trust?: string | undefined;
  /** The catalog's `critical` arguments. */
  readonly critical?: readonly string[] | undefined;
  /** The catalog's `output.labels`: what data a call returns. */
  readonly labels?: readonly string[] | undefined;
  /** Whether the call reaches outside (the catalog's `external`, default true for `send`). */
  readonly external?: boolean | undefined;
}

/**
 * Everything a condition can read: the four path roots (`input`, `principal`, `resource`,
 * `context`), plus the request itself for code-defined predicates.
 */
export interface PolicyFacts<Input = unknown> {
  readonly input: Input;
  readonly principal: Principal;
  readonly resource: ResourceFacts;
  readonly context: RequestContext;
  readonly request: ActionRequest;
}

/**
 * A code-defined test that a condition names with `{ predicate: name }`: the typed escape hatch for
 * what the declarative language cannot say. It must return a boolean; throwing denies the request.
 *
 * @example
 * ```ts
 * const withinBusinessHours: PolicyPredicate = ({ context }) => {
 *   const hour = new Date(context.time).getUTCHours();
 *   return hour >= 8 && hour < 18;
 * };
 * createPolicyEngine({ policy, predicates: { withinBusinessHours } });
 * ```
 */
export type PolicyPredicate<Input = unknown> = (facts: PolicyFacts<Input>) => boolean;
