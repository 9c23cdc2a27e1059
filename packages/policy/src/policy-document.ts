import { ACTION_KINDS, type ActionKind, EFFECTS, type Effect } from '@palisade/core';
import { z } from 'zod';

// The policy document format: each shape is defined once, as the zod schema that validates it, and
// its TypeScript type is inferred from that schema. Conditions are the exception: they are recursive
// and validated by the condition validator (one message per misplaced key), so their type is written
// out here and the schema takes it as is.

/** A JSON value, as a policy document holds them. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

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
  /**
   * Provenance in the session: the value (every item, for an array) was given by at least one of
   * these origins: `user` (a whole value in the user's messages), `trusted` (a trusted field of a
   * trusted tool's output, or a trusted source), `untrusted` (untrusted text), `requested`
   * (untrusted text the user asked for by name), or a tool or source name.
   */
  readonly from?: string | readonly string[] | undefined;
  /** Data flow: the value, or a distinctive value inside its text, was read from an output labelled so. */
  readonly carries?: string | readonly string[] | undefined;
  /**
   * The value, or a distinctive value inside its text, was seen only from these origins (`untrusted`,
   * `requested`, `trusted`, `user`): `embeds: untrusted` finds what nobody but untrusted text gave.
   */
  readonly embeds?: string | readonly string[] | undefined;
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
  /**
   * The comparison holds for every critical argument the call carries (the catalog's `critical`;
   * absent or null arguments are skipped, and a tool without any holds it trivially).
   */
  readonly critical?: Comparison | undefined;
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

/** Names of tools, rules, sources, labels. */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** What `NAME_PATTERN` admits, for messages. */
export const NAME_MESSAGE = 'expected a name of 1-128 characters from [A-Za-z0-9_.:-]';
/** The longest glob a matcher takes. */
export const MAX_GLOB_LENGTH = 512;
/** Keys refused anywhere in a document: some parsers and validators drop them silently. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

const name = z
  .string()
  .regex(NAME_PATTERN, NAME_MESSAGE)
  .refine(
    (value) => !RESERVED_NAMES.has(value),
    'expected a name other than __proto__, prototype, constructor',
  );
const text = (max: number) => z.string().min(1).max(max);
const pattern = z.string().min(1).max(MAX_GLOB_LENGTH);
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(10_000).readonly();
const effect = z.enum(EFFECTS as unknown as readonly [Effect, ...Effect[]]);
const actionKind = z.enum(ACTION_KINDS as unknown as readonly [ActionKind, ...ActionKind[]]);
/** Checked by the condition validator, which names the exact key at fault. */
const condition = z.custom<Condition>(() => true);

const sensitivitySchema = z.enum(['low', 'medium', 'high', 'critical']);
/** How sensitive the data or system behind a tool is. */
export type Sensitivity = z.infer<typeof sensitivitySchema>;

const toolTrustSchema = z.enum(['trusted', 'untrusted']);
/** Whether what a tool returns can be trusted as instructions-free data from a system we control. */
export type ToolTrust = z.infer<typeof toolTrustSchema>;

/** The keys of a tool entry (see `ToolEntry`). */
export const toolEntryShape = z.strictObject({
  description: text(2000).optional(),
  /** What calling the tool does; everything but `read` persists something and needs approval by default. */
  effect,
  /** Defaults to `tool`. */
  kind: actionKind.optional(),
  /** The system the tool touches (`crm`, `payments`, `mail`). */
  target: name.optional(),
  sensitivity: sensitivitySchema.optional(),
  /**
   * `untrusted` tools return content that may carry injected instructions (tickets, web pages, mail):
   * an allowed call labels the session with `taintLabels` (default `['tainted']`).
   */
  trust: toolTrustSchema.optional(),
  /** Labels an allowed call to an untrusted tool adds to the session. */
  taintLabels: list(name).optional(),
  /**
   * `required`: no standing permission for the agent; only an active task grant (see `engine.grants`)
   * gives an agent the right to call this tool.
   */
  grant: z.literal('required').optional(),
  /** What the tool returns: which output fields hold untrusted text, and what data it carries. */
  output: z
    .strictObject({
      /**
       * Output fields that hold untrusted text, as dotted keys (`body`, `messages.body`, `*` for any
       * one key; array positions left out). Only on untrusted tools; when absent, every field is.
       */
      untrusted: list(
        z
          .string()
          .max(200)
          .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'expected dotted output keys such as messages.body'),
      ).optional(),
      /** Sensitivity labels of what a call returns (`pii`, `secret`, `financial`, custom). */
      labels: list(name).optional(),
    })
    .readonly()
    .optional(),
  /** The arguments that decide where the effect lands (a recipient, an IBAN, a URL, an e-mail). */
  critical: list(name).optional(),
  /** The call reaches outside the organisation. Default: true for `send`, false otherwise. */
  external: z.boolean().optional(),
});
const toolEntrySchema = toolEntryShape.readonly();
/**
 * One entry of the tool catalog. A request for a tool that is not in the catalog is denied, and so is
 * one whose declared effect (or kind, or target) differs from the catalog's.
 */
export type ToolEntry = z.infer<typeof toolEntrySchema>;

const durationSchema = z.union([
  z
    .number()
    .int()
    .positive()
    .max(366 * 86_400_000),
  z.string().regex(/^\d{1,9}(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 10m, 1h or 1d'),
]);
/** A duration: milliseconds, or a string such as `500ms`, `30s`, `10m`, `1h`, `1d`. */
export type Duration = z.infer<typeof durationSchema>;

const ruleEffectSchema = z.enum(['allow', 'deny', 'approve']);
/** What a rule does when it matches. */
export type RuleEffect = z.infer<typeof ruleEffectSchema>;

const approvalModeSchema = z.enum(['auto', 'required', 'none']);
/**
 * How an allow rule treats human approval: `auto` (default) requires it for persistent effects,
 * `required` always, `none` never (the rule explicitly allows the action without a human).
 */
export type ApprovalMode = z.infer<typeof approvalModeSchema>;

/** The keys of a rule (see `PolicyRule`). */
export const ruleShape = z.strictObject({
  id: name,
  description: text(2000).optional(),
  effect: ruleEffectSchema,
  /** Tool names or globs; omitted means every tool in the catalog. */
  tools: list(pattern).optional(),
  effects: list(effect).optional(),
  targets: list(pattern).optional(),
  kinds: list(actionKind).optional(),
  /** Agent ids (SPIFFE URIs) or globs (`spiffe://acme.example/agent/support-*`). */
  agents: list(pattern).optional(),
  /** User ids or globs. */
  users: list(pattern).optional(),
  /** The user must hold one of these roles (globs allowed). */
  roles: list(pattern).optional(),
  /** Applies to calls an agent makes on its own, with no user behind it. */
  autonomous: z.boolean().optional(),
  when: condition.optional(),
  /** Only on `allow` rules. */
  approval: approvalModeSchema.optional(),
  /** Reason given in the decision when this rule decides; defaults to one naming the rule. */
  reason: text(500).optional(),
});
const ruleSchema = ruleShape.readonly();
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
export type PolicyRule = z.infer<typeof ruleSchema>;

/** The keys of a provenance source (see `ProvenanceSource`). */
export const sourceShape = z.strictObject({
  /** Only trusted sources satisfy `providedBy: user`. */
  trusted: z.boolean(),
  /** Values the source always vouches for; more arrive per call in `context.attributes.sources[name]`. */
  values: z.array(z.string().min(1).max(2000)).max(100_000).readonly().optional(),
});
const sourceSchema = sourceShape.readonly();
/** A named source of values for provenance checks. */
export type ProvenanceSource = z.infer<typeof sourceSchema>;

const limitDimensionSchema = z.enum(['agent', 'user', 'tool', 'task', 'session', 'tenant']);
/** What a limit counts separately: one counter per distinct combination of these. */
export type LimitDimension = z.infer<typeof limitDimensionSchema>;

/** The keys of a limit (see `PolicyLimit`). */
export const limitShape = z.strictObject({
  id: name,
  description: text(2000).optional(),
  tools: list(pattern).optional(),
  agents: list(pattern).optional(),
  users: list(pattern).optional(),
  roles: list(pattern).optional(),
  when: condition.optional(),
  /** Counters are kept per combination of these (default `[agent]`); any other name is an error. */
  per: list(limitDimensionSchema).optional(),
  /** Fixed window the counter lives in (default `30d`, which suits per-task budgets). */
  window: durationSchema.optional(),
  max: z.number().positive().max(Number.MAX_SAFE_INTEGER),
  /** Budget: add this numeric input path (e.g. `input.amount`) instead of 1 per call. */
  sum: z.string().min(1).max(200).optional(),
});
const limitSchema = limitShape.readonly();
/**
 * A rate limit or a budget. It applies to the requests its matchers select; each allowed (or
 * approved) request carries a `consume-limit` obligation, and the enforcer refuses the call when
 * consuming would pass `max` in the current window. A `when` that is unknown (see `Condition`)
 * applies the limit: a missing value never lets a call escape it.
 */
export type PolicyLimit = z.infer<typeof limitSchema>;

/** The keys of the circuit breaker (see `PolicyBreaker`). */
export const breakerShape = z.strictObject({
  /** Trip after this many denials of one agent within `window`. */
  denials: z.number().int().positive().max(1_000_000).optional(),
  /** Default `10m`. */
  window: durationSchema.optional(),
  /** Trip when a request arrives with `context.risk` at or above this. */
  risk: z.number().gt(0).max(1).optional(),
});
const breakerSchema = breakerShape.readonly();
/** The circuit breaker: quarantines an agent until someone resets it. */
export type PolicyBreaker = z.infer<typeof breakerSchema>;

/** The keys of an egress rule (see `EgressRule`). */
export const egressShape = z.strictObject({
  id: name,
  description: text(2000).optional(),
  effect: z.enum(['allow', 'deny']),
  /** Default: any scheme (the guarded fetch only speaks http and https). */
  schemes: list(z.enum(['http', 'https'])).optional(),
  /** Host name globs, lower case (`api.crm.example`, `*.acme.example`). */
  hosts: list(pattern).optional(),
  ports: list(z.number().int().min(1).max(65_535)).optional(),
  /** Upper-case methods. */
  methods: list(z.string().regex(/^[A-Z]{1,16}$/, 'expected an upper-case HTTP method')).optional(),
  /** Path prefixes (`/v1/`). */
  paths: list(z.string().startsWith('/').max(2000)).optional(),
  /**
   * CIDR ranges of resolved addresses. On an allow rule, they are what lets a loopback, private or
   * link-local address through (never allowed otherwise); on a deny rule, they narrow it.
   */
  addresses: list(z.string().min(1).max(64)).optional(),
  agents: list(pattern).optional(),
  users: list(pattern).optional(),
  roles: list(pattern).optional(),
  when: condition.optional(),
  reason: text(500).optional(),
});
const egressSchema = egressShape.readonly();
/** One rule on outbound HTTP requests made through the guarded `fetch`. */
export type EgressRule = z.infer<typeof egressSchema>;

/** The keys of a policy document (see `PolicyDocument`). */
export const documentShape = z.strictObject({
  name: text(200).optional(),
  description: text(5000).optional(),
  tools: z.record(name, toolEntrySchema).readonly(),
  rules: z.array(ruleSchema).max(1_000_000).readonly(),
  /** Sources of values for `providedBy` conditions. */
  sources: z.record(name, sourceSchema).readonly().optional(),
  limits: z.array(limitSchema).max(100_000).readonly().optional(),
  breaker: breakerSchema.optional(),
  /** Rules for outbound HTTP made through the guarded `fetch`; without any, all egress is denied. */
  egress: z.array(egressSchema).max(100_000).readonly().optional(),
});
/** The schema of a whole policy document; `validateDocument` adds the checks across its parts. */
export const documentSchema = documentShape.readonly();
/**
 * A policy document: the tool catalog, the rules and the settings they rely on. Its content hash is
 * the policy version every decision carries.
 */
export type PolicyDocument = z.infer<typeof documentSchema>;
