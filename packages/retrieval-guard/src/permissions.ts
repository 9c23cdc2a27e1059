import type { Principal } from '@palisade/core';
import type { RetrievedDocument } from './document.js';

/**
 * A document's access-control list, as flat metadata keys so that vector stores can filter on them
 * inside the query (PGVectorStore filters top-level jsonb keys only).
 *
 * - `tenant`: the tenant that owns the document. Isolation is absolute: nobody outside it reads it.
 * - `classification`: its sensitivity; {@link PermissionsOptions.classifications} says which user
 *   roles and which agents may read each one.
 * - `readers`: who in the tenant may read it: `user:<id>`, `group:<name>`, `role:<name>`, or `*`.
 * - `agents`: which agents may read it: agent ids (SPIFFE URIs) or names, or `*`.
 */
export type DocumentAcl = {
  readonly tenant: string;
  readonly classification: string;
  readonly readers: readonly string[];
  readonly agents: readonly string[];
};

/** Options of {@link documentAcl}. */
export interface DocumentAclInput {
  readonly tenant: string;
  readonly classification: string;
  /** Users who may read it (ids). */
  readonly users?: readonly string[] | undefined;
  /** Groups who may read it (matched against the principal's `groups` claim). */
  readonly groups?: readonly string[] | undefined;
  /** User roles that may read it. */
  readonly roles?: readonly string[] | undefined;
  /** Everyone in the tenant may read it (subject to its classification). */
  readonly everyone?: boolean | undefined;
  /** Agents (ids or names) that may read it, or `'*'` for any agent cleared for the classification. */
  readonly agents: readonly string[] | '*';
}

const RESERVED_TENANT = 'palisade:no-access';

function nonEmptyStrings(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

/**
 * Builds the ACL metadata for a document at ingestion; spread it into the document's metadata.
 *
 * @example
 * ```ts
 * const metadata = { ...documentAcl({ tenant: 'acme', classification: 'internal', roles: ['support'], agents: '*' }) };
 * ```
 */
export function documentAcl(input: DocumentAclInput): DocumentAcl {
  if (typeof input?.tenant !== 'string' || input.tenant === '' || input.tenant === RESERVED_TENANT)
    throw new TypeError('documentAcl(): tenant must be a non-empty string');
  if (typeof input.classification !== 'string' || input.classification === '')
    throw new TypeError('documentAcl(): classification must be a non-empty string');
  const readers = [
    ...(input.everyone === true ? ['*'] : []),
    ...(input.users ?? []).map((id) => `user:${id}`),
    ...(input.groups ?? []).map((group) => `group:${group}`),
    ...(input.roles ?? []).map((role) => `role:${role}`),
  ];
  if (readers.length === 0)
    throw new TypeError('documentAcl(): name readers (users, groups, roles) or set everyone');
  const agents = input.agents === '*' ? ['*'] : [...input.agents];
  if (!nonEmptyStrings(agents) || agents.length === 0)
    throw new TypeError("documentAcl(): agents must be a non-empty list of agent ids or names, or '*'");
  return { tenant: input.tenant, classification: input.classification, readers, agents };
}

/** Who may read documents of one classification: a user role AND the agent must both be cleared. */
export interface ClassificationRule {
  /** User roles cleared for it, or `'*'` for every user. */
  readonly roles: readonly string[] | '*';
  /** Agents (ids or names) cleared for it, or `'*'` for every agent. */
  readonly agents: readonly string[] | '*';
}

/** Options of {@link createPermissions}. */
export interface PermissionsOptions {
  /** Every classification documents may carry; a document with any other is unreadable. */
  readonly classifications: Readonly<Record<string, ClassificationRule>>;
}

/** Why a document is not readable. */
export type PermissionFailure = 'acl-missing' | 'tenant' | 'user' | 'agent' | 'classification';

/** The outcome of a permission check. */
export type PermissionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: PermissionFailure };

/**
 * `PGVectorStore`'s metadata filter (`@langchain/community/vectorstores/pgvector`): top-level keys,
 * AND-ed; a value is equality on `metadata->>'key'`, `in` is `IN (...)`, `arrayContains` is
 * `metadata->'key' ?| array[...]` (the array holds any of the values).
 */
export type PgVectorMetadataFilter = Record<string, string | { in?: string[]; arrayContains?: string[] }>;

/** The pre-query filter for one principal, in the shapes vector stores take. */
export interface PreQueryFilter {
  /** False when the principal can read nothing (no tenant, no cleared classification): skip the query. */
  readonly readable: boolean;
  /** For LangChain's `MemoryVectorStore` (and any store taking a predicate): `(document) => boolean`. */
  readonly memoryVectorStore: (document: { metadata: Record<string, unknown> }) => boolean;
  /** For `PGVectorStore.similaritySearch(query, k, filter)`; matches nothing when `readable` is false. */
  readonly pgVectorStore: PgVectorMetadataFilter;
}

/** Document permissions for principals. Created once by {@link createPermissions}. */
export interface Permissions {
  /** Whether `principal` (its user AND its agent) may read `document`. */
  canRead(principal: Principal, document: Pick<RetrievedDocument, 'metadata'>): PermissionVerdict;
  /** The metadata filter a vector store applies inside the query, built from the principal. */
  filterFor(principal: Principal): PreQueryFilter;
}

/** The principal's tenant: the user's, or the `tenant` claim when no user; none when they disagree. */
function tenantOf(principal: Principal): string | undefined {
  const claim = principal.claims?.tenant;
  const userTenant = principal.user?.tenant;
  if (userTenant !== undefined && typeof claim === 'string' && claim !== userTenant) return undefined;
  const tenant = userTenant ?? (typeof claim === 'string' ? claim : undefined);
  return tenant === '' || tenant === RESERVED_TENANT ? undefined : tenant;
}

function readerTokens(principal: Principal): string[] {
  const user = principal.user;
  if (user === undefined) return ['*'];
  const groups = principal.claims?.groups;
  return [
    '*',
    `user:${user.id}`,
    ...user.roles.map((role) => `role:${role}`),
    ...(nonEmptyStrings(groups) ? groups.map((group) => `group:${group}`) : []),
  ];
}

function agentTokens(principal: Principal): string[] {
  const tokens = ['*', principal.agent.id];
  if (principal.agent.name !== undefined) tokens.push(principal.agent.name);
  return tokens;
}

function cleared(rule: ClassificationRule, principal: Principal): boolean {
  const roles = principal.user?.roles ?? [];
  const userCleared =
    rule.roles === '*' || (principal.user !== undefined && roles.some((role) => rule.roles.includes(role)));
  const agentCleared =
    rule.agents === '*' ||
    rule.agents.includes(principal.agent.id) ||
    (principal.agent.name !== undefined && rule.agents.includes(principal.agent.name));
  return userCleared && agentCleared;
}

/**
 * Creates document permissions: a document is readable only when it belongs to the principal's
 * tenant, its `readers` name the user (or one of their roles or groups, or `*`), its `agents` name
 * the agent (or `*`), and both the user's roles and the agent are cleared for its classification.
 * A document without a complete ACL is unreadable.
 *
 * @example
 * ```ts
 * const permissions = createPermissions({
 *   classifications: {
 *     public: { roles: '*', agents: '*' },
 *     confidential: { roles: ['support-lead'], agents: ['support-bot'] },
 *   },
 * });
 * const filter = permissions.filterFor(principal);
 * const docs = await vectorStore.similaritySearch(query, 8, filter.memoryVectorStore);
 * ```
 * @see documentAcl
 */
export function createPermissions(options: PermissionsOptions): Permissions {
  if (typeof options?.classifications !== 'object' || options.classifications === null)
    throw new TypeError('createPermissions(): options.classifications must be an object');
  const rules = new Map<string, ClassificationRule>();
  for (const [name, rule] of Object.entries(options.classifications)) {
    for (const side of ['roles', 'agents'] as const) {
      const value = rule?.[side];
      if (value !== '*' && !nonEmptyStrings(value))
        throw new TypeError(
          `createPermissions(): classifications.${name}.${side} must be '*' or a list of strings`,
        );
    }
    rules.set(name, rule);
  }

  const canRead = (
    principal: Principal,
    document: Pick<RetrievedDocument, 'metadata'>,
  ): PermissionVerdict => {
    const metadata = document?.metadata;
    if (typeof metadata !== 'object' || metadata === null) return { allowed: false, reason: 'acl-missing' };
    const { tenant, classification, readers, agents } = metadata as Partial<
      Record<keyof DocumentAcl, unknown>
    >;
    if (
      typeof tenant !== 'string' ||
      typeof classification !== 'string' ||
      !nonEmptyStrings(readers) ||
      !nonEmptyStrings(agents)
    )
      return { allowed: false, reason: 'acl-missing' };
    const principalTenant = tenantOf(principal);
    if (principalTenant === undefined || tenant !== principalTenant)
      return { allowed: false, reason: 'tenant' };
    if (!readerTokens(principal).some((token) => readers.includes(token)))
      return { allowed: false, reason: 'user' };
    if (!agentTokens(principal).some((token) => agents.includes(token)))
      return { allowed: false, reason: 'agent' };
    const rule = rules.get(classification);
    if (rule === undefined || !cleared(rule, principal)) return { allowed: false, reason: 'classification' };
    return { allowed: true };
  };

  return {
    canRead,
    filterFor(principal) {
      const tenant = tenantOf(principal);
      const classifications = [...rules].filter(([, rule]) => cleared(rule, principal)).map(([name]) => name);
      const readable = tenant !== undefined && classifications.length > 0;
      return {
        readable,
        memoryVectorStore: (document) => readable && canRead(principal, document).allowed,
        pgVectorStore: readable
          ? {
              tenant: tenant,
              classification: { in: classifications },
              readers: { arrayContains: readerTokens(principal) },
              agents: { arrayContains: agentTokens(principal) },
            }
          : { tenant: RESERVED_TENANT },
      };
    },
  };
}
