import type { ActionKind, Effect } from '@palisade/core';

/** A JSON value, as a policy document holds them. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** How sensitive the data or system behind a tool is. */
export type Sensitivity = 'low' | 'medium' | 'high' | 'critical';

/** Whether what a tool returns can be trusted as instructions-free data from a system we control. */
export type ToolTrust = 'trusted' | 'untrusted';

/**
 * One entry of the tool catalog. A request for a tool that is not in the catalog is denied, and so is
 * one whose declared effect (or kind, or target) differs from the catalog's.
 */
export interface ToolEntry {
  readonly description?: string | undefined;
  /** What calling the tool does; everything but `read` persists something and needs approval by default. */
  readonly effect: Effect;
  /** Defaults to `tool`. */
  readonly kind?: ActionKind | undefined;
  /** The system the tool touches (`crm`, `payments`, `mail`). */
  readonly target?: string | undefined;
  readonly sensitivity?: Sensitivity | undefined;
  /**
   * `untrusted` tools return content that may carry injected instructions (tickets, web pages, mail):
   * an allowed call labels the session with `taintLabels` (default `['tainted']`).
   */
  readonly trust?: ToolTrust | undefined;
  /** Labels an allowed call to an untrusted tool adds to the session. */
  readonly taintLabels?: readonly string[] | undefined;
  /**
   * `required`: no standing permission for the agent; only an active task grant (see `engine.grants`)
   * gives an agent the right to call this tool.
   */
  readonly grant?: 'required' | undefined;
}

/** A value to compare with: a literal, or a reference to another path (`{ ref: 'principal.user.tenant' }`). */
export type Operand = JsonValue | { readonly ref: string };

/**
 * The tests applied to the value at one path. Several tests in one object must all hold.
 *
 * @example
 * ```ts
 * const amount: Comparison = { gt: 0, lte: 100 };
 * const tenant: Comparison = { eq: { ref: 'principal.user.tenant' } };
 * const recipient: Comparison = { providedBy: 'user', matches: '*@acme.example' };
 * ```
 */
export interface Comparison {
  readonly eq?: Operand | undefined;
  readonly ne?: Operand | undefined;
  /** The value is one of the operand's items. */
  readonly in?: Operand | undefined;
  readonly notIn?: Operand | undefined;
  readonly gt?: Operand | undefined;
  readonly gte?: Operand | undefined;
  readonly lt?: Operand | undefined;
  readonly lte?: Operand | undefined;
  readonly startsWith?: Operand | undefined;
  readonly endsWith?: Operand | undefined;
  /** A string contains the operand as a substring, or an array holds it as an item. */
  readonly contains?: Operand | undefined;
  /** The string value matches a glob (or one of several): `*`, `**`, `?`. Never a regular expression. */
  readonly matches?: string | readonly string[] | undefined;
  /** `true`: the path holds a value (not `undefined`/`null`); `false`: it does not. */
  readonly exists?: boolean | undefined;
  /**
   * Provenance: the value (every item, for an array) must occur in the named sources. `user` means the
   * user's own messages or any source the policy marks trusted.
   */
  readonly providedBy?: string | readonly string[] | undefined;
}

/**
 * A condition: an object whose keys are paths (each mapped to a `Comparison`, or to a scalar meaning
 * `eq`) or the combinators `all`, `any`, `not`, or `predicate` (a named, code-defined test). Every key
 * must hold.
 *
 * Conditions are three-valued: a comparison on a missing value (or a missing `ref` operand), or on a
 * value of a type its operator cannot compare (`gt` on a string against a number, `startsWith` on a
 * number, `providedBy` on an object), is **unknown**; only `exists` is always known. `not` keeps
 * unknown unknown, `all` is false if any part is false and else unknown if any part is, `any` is true
 * if any part is true and else unknown if any part is. An unknown `when` never widens access: an
 * `allow` rule or task grant does not apply, a `deny` or `approve` rule applies, a limit counts.
 *
 * @example
 * ```ts
 * const when: Condition = {
 *   'input.amount': { gt: 100 },
 *   any: [{ 'context.labels': { contains: 'tainted' } }, { 'context.risk': { gte: 0.7 } }],
 * };
 * ```
 */
export interface Condition {
  readonly all?: readonly Condition[] | undefined;
  readonly any?: readonly Condition[] | undefined;
  readonly not?: Condition | undefined;
  /** The name of a predicate given to `createPolicyEngine({ predicates })`. */
  readonly predicate?: string | undefined;
  readonly [path: string]:
    | Comparison
    | string
    | number
    | boolean
    | null
    | readonly Condition[]
    | Condition
    | undefined;
}

/** What a rule does when it matches. */
export type RuleEffect = 'allow' | 'deny' | 'approve';

/**
 * How an allow rule treats human approval: `auto` (default) requires it for persistent effects,
 * `required` always, `none` never (the rule explicitly allows the action without a human).
 */
export type ApprovalMode = 'auto' | 'required' | 'none';

/**
 * One rule. It applies to a request when its resource matchers (`tools`, `effects`, `targets`,
 * `kinds`), its subject matchers and its `when` condition all hold. A `when` that is unknown (it
 * reads a missing or mistyped value, see `Condition`) fails closed: an `allow` rule does not apply,
 * a `deny` rule applies (its reason says a value was missing) and an `approve` rule applies.
 *
 * Subjects and the two permissions: an `allow` rule grants the **agent permission** when it lists
 * `agents` that match the acting agent, and the **user permission** when it lists `users` or `roles`
 * that match the user (or `autonomous: true` for calls made with no user). A request is allowed only
 * when both permissions are granted, by one rule or by two. `deny` and `approve` rules grant nothing:
 * their subject matchers only narrow whom they apply to, and without any they apply to everyone.
 */
export interface PolicyRule {
  readonly id: string;
  readonly description?: string | undefined;
  readonly effect: RuleEffect;
  /** Tool names or globs; omitted means every tool in the catalog. */
  readonly tools?: readonly string[] | undefined;
  readonly effects?: readonly Effect[] | undefined;
  readonly targets?: readonly string[] | undefined;
  readonly kinds?: readonly ActionKind[] | undefined;
  /** Agent ids (SPIFFE URIs) or globs (`spiffe://acme.example/agent/support-*`). */
  readonly agents?: readonly string[] | undefined;
  /** User ids or globs. */
  readonly users?: readonly string[] | undefined;
  /** The user must hold one of these roles (globs allowed). */
  readonly roles?: readonly string[] | undefined;
  /** Applies to calls an agent makes on its own, with no user behind it. */
  readonly autonomous?: boolean | undefined;
  readonly when?: Condition | undefined;
  /** Only on `allow` rules. */
  readonly approval?: ApprovalMode | undefined;
  /** Reason given in the decision when this rule decides; defaults to one naming the rule. */
  readonly reason?: string | undefined;
}

/** A named source of values for provenance checks. */
export interface ProvenanceSource {
  /** Only trusted sources satisfy `providedBy: user`. */
  readonly trusted: boolean;
  /** Values the source always vouches for; more arrive per call in `context.attributes.sources[name]`. */
  readonly values?: readonly string[] | undefined;
}

/** A duration: milliseconds, or a string such as `500ms`, `30s`, `10m`, `1h`, `1d`. */
export type Duration = number | string;

/** What a limit counts separately: one counter per distinct combination of these. */
export type LimitDimension = 'agent' | 'user' | 'tool' | 'task' | 'session' | 'tenant';

/**
 * A rate limit or a budget. It applies to the requests its matchers select; each allowed (or
 * approved) request carries a `consume-limit` obligation, and the enforcer refuses the call when
 * consuming would pass `max` in the current window. A `when` that is unknown (see `Condition`)
 * applies the limit: a missing value never lets a call escape it.
 */
export interface PolicyLimit {
  readonly id: string;
  readonly description?: string | undefined;
  readonly tools?: readonly string[] | undefined;
  readonly agents?: readonly string[] | undefined;
  readonly users?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly when?: Condition | undefined;
  /** Counters are kept per combination of these (default `[agent]`). */
  readonly per?: readonly LimitDimension[] | undefined;
  /** Fixed window the counter lives in (default `30d`, which suits per-task budgets). */
  readonly window?: Duration | undefined;
  readonly max: number;
  /** Budget: add this numeric input path (e.g. `input.amount`) instead of 1 per call. */
  readonly sum?: string | undefined;
}

/** The circuit breaker: quarantines an agent until someone resets it. */
export interface PolicyBreaker {
  /** Trip after this many denials of one agent within `window`. */
  readonly denials?: number | undefined;
  /** Default `10m`. */
  readonly window?: Duration | undefined;
  /** Trip when a request arrives with `context.risk` at or above this. */
  readonly risk?: number | undefined;
}

/** One rule on outbound HTTP requests made through the guarded `fetch`. */
export interface EgressRule {
  readonly id: string;
  readonly description?: string | undefined;
  readonly effect: 'allow' | 'deny';
  /** Default: any scheme (the guarded fetch only speaks http and https). */
  readonly schemes?: readonly ('http' | 'https')[] | undefined;
  /** Host name globs, lower case (`api.crm.example`, `*.acme.example`). */
  readonly hosts?: readonly string[] | undefined;
  readonly ports?: readonly number[] | undefined;
  /** Upper-case methods. */
  readonly methods?: readonly string[] | undefined;
  /** Path prefixes (`/v1/`). */
  readonly paths?: readonly string[] | undefined;
  /**
   * CIDR ranges of resolved addresses. On an allow rule, they are what lets a loopback, private or
   * link-local address through (never allowed otherwise); on a deny rule, they narrow it.
   */
  readonly addresses?: readonly string[] | undefined;
  readonly agents?: readonly string[] | undefined;
  readonly users?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly when?: Condition | undefined;
  readonly reason?: string | undefined;
}

/**
 * A policy document: the tool catalog, the rules and the settings they rely on. Its content hash is
 * the policy version every decision carries.
 */
export interface PolicyDocument {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly tools: { readonly [name: string]: ToolEntry };
  readonly rules: readonly PolicyRule[];
  /** Sources of values for `providedBy` conditions. */
  readonly sources?: { readonly [name: string]: ProvenanceSource } | undefined;
  readonly limits?: readonly PolicyLimit[] | undefined;
  readonly breaker?: PolicyBreaker | undefined;
  /** Rules for outbound HTTP made through the guarded `fetch`; without any, all egress is denied. */
  readonly egress?: readonly EgressRule[] | undefined;
}
