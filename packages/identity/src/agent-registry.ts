import { isAgentName, isTrustDomain, parseAgentId } from './agent-id.js';

/** Where an agent is in its life: only `active` agents get tokens; `retired` is final. */
export type AgentStatus = 'active' | 'suspended' | 'retired';

/** Every agent status. */
export const AGENT_STATUSES: readonly AgentStatus[] = Object.freeze(['active', 'suspended', 'retired']);

/** What is known about an agent before it may hold a credential. */
export interface AgentRegistration {
  /** The agent's name (last segment of its id). Give `name` or `id`. */
  name?: string | undefined;
  /** The full SPIFFE-style id, `spiffe://<trust-domain>/agent/<name>`. */
  id?: string | undefined;
  /** The named human or team accountable for the agent. */
  owner: string;
  /** What the agent is for, in a sentence. */
  purpose: string;
  /** Tools the agent may call. `*` or any pattern with `*` fails the pre-deployment check. */
  tools: readonly string[];
  /** Scopes tokens may carry; defaults to `tools`. */
  scopes?: readonly string[] | undefined;
  /** Defaults to `active`. */
  status?: AgentStatus | undefined;
  /**
   * Where the agent was approved to run: each key must be present in the attested environment with
   * this value (or one of these values), or no token is issued.
   */
  environment?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

/** A registered agent. */
export interface AgentRecord {
  readonly name: string;
  /** Set when the agent was registered by id or the registry knows its trust domain. */
  readonly id: string | undefined;
  readonly owner: string;
  readonly purpose: string;
  readonly tools: readonly string[];
  readonly scopes: readonly string[];
  readonly status: AgentStatus;
  readonly environment: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** Epoch milliseconds. */
  readonly registeredAt: number;
  /** Epoch milliseconds of the last status change. */
  readonly updatedAt: number;
}

/** One line of the pre-deployment checklist. */
export interface ChecklistItem {
  readonly check:
    | 'identity-registered'
    | 'owner-assigned'
    | 'no-wildcard-permissions'
    | 'audit-enabled'
    | 'status-active';
  readonly ok: boolean;
  readonly detail: string;
}

/** The checklist result for one agent. */
export interface AgentChecklist {
  readonly agent: string;
  readonly ok: boolean;
  readonly items: readonly ChecklistItem[];
}

/** The checklist result for a whole registry; `ok` only when every agent passes. */
export interface ChecklistReport {
  readonly ok: boolean;
  readonly agents: readonly AgentChecklist[];
}

/** Options for `AgentRegistry.check`. */
export interface ChecklistOptions {
  /** Whether audit (spans and the tamper-evident log) is switched on where the agents run. */
  auditEnabled: boolean;
  /** Check only these agents (names or ids); by default every registered agent. */
  agents?: readonly string[] | undefined;
}

/** The inventory of agents allowed to hold credentials. */
export interface AgentRegistry {
  /** The trust domain ids are minted in, when the registry was given one. */
  readonly trustDomain: string | undefined;
  /** Registers an agent; throws `TypeError` for an invalid or duplicate registration. */
  register(registration: AgentRegistration): AgentRecord;
  /** Looks an agent up by name or id. */
  get(reference: string): AgentRecord | undefined;
  /** Every registered agent, in registration order. */
  list(): readonly AgentRecord[];
  /** Changes an agent's status; a retired agent stays retired. */
  setStatus(reference: string, status: AgentStatus): AgentRecord;
  /**
   * Runs the pre-deployment checklist: identity registered, owner assigned, no wildcard
   * permissions, audit on, status active.
   */
  check(options: ChecklistOptions): ChecklistReport;
}

/** Options for `createAgentRegistry`. */
export interface AgentRegistryOptions {
  /** Trust domain for agents registered by name. */
  trustDomain?: string | undefined;
  /** Agents to register at once. */
  agents?: readonly AgentRegistration[] | undefined;
  /** Epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

function assertText(value: unknown, name: string, where: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 1024) {
    throw new TypeError(`${where}: ${name} must be a non-empty string of at most 1024 characters`);
  }
}

function assertStrings(value: unknown, name: string, where: string): asserts value is readonly string[] {
  if (
    !Array.isArray(value) ||
    value.some((entry) => typeof entry !== 'string' || entry === '' || /\s/.test(entry))
  ) {
    throw new TypeError(`${where}: ${name} must be an array of non-empty strings without whitespace`);
  }
}

function freezeEnvironment(
  environment: unknown,
  where: string,
): Readonly<Record<string, string | readonly string[]>> | undefined {
  if (environment === undefined) return undefined;
  if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
    throw new TypeError(`${where}: environment must be an object of strings or string arrays`);
  }
  const out: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string')) {
      out[key] = Object.freeze([...value]);
    } else throw new TypeError(`${where}: environment.${key} must be a string or a non-empty string array`);
  }
  return Object.freeze(out);
}

const WILDCARD = /\*/;

/**
 * Creates an in-memory agent registry: every agent is registered, with an accountable owner, a
 * purpose and its allowed tools, before an issuer will mint it a token.
 *
 * @example
 * ```ts
 * const registry = createAgentRegistry({ trustDomain: 'acme.example' });
 * registry.register({ name: 'support-bot', owner: 'team-support', purpose: 'Answers tickets', tools: ['get_ticket'] });
 * registry.check({ auditEnabled: true }).ok; // true
 * ```
 */
export function createAgentRegistry(options: AgentRegistryOptions = {}): AgentRegistry {
  const where = 'createAgentRegistry()';
  if (options.trustDomain !== undefined && !isTrustDomain(options.trustDomain)) {
    throw new TypeError(
      `${where}: trustDomain ${JSON.stringify(options.trustDomain)} is not a valid trust domain`,
    );
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError(`${where}: now must be a function`);
  const trustDomain = options.trustDomain;
  const now = options.now ?? Date.now;
  const byName = new Map<string, AgentRecord>();

  function find(reference: string): AgentRecord | undefined {
    const direct = byName.get(reference);
    if (direct) return direct;
    const parsed = parseAgentId(reference);
    if (!parsed) return undefined;
    const record = byName.get(parsed.name);
    if (!record) return undefined;
    if (record.id !== undefined) return record.id === reference ? record : undefined;
    return record;
  }

  function register(registration: AgentRegistration): AgentRecord {
    const at = 'register()';
    if (typeof registration !== 'object' || registration === null)
      throw new TypeError(`${at}: expected an object`);
    let name = registration.name;
    let id = registration.id;
    if (id !== undefined) {
      const parsed = parseAgentId(id);
      if (!parsed)
        throw new TypeError(`${at}: id ${JSON.stringify(id)} is not spiffe://<trust-domain>/agent/<name>`);
      if (name !== undefined && name !== parsed.name) throw new TypeError(`${at}: name and id disagree`);
      if (trustDomain !== undefined && parsed.trustDomain !== trustDomain) {
        throw new TypeError(`${at}: id ${id} is outside the trust domain ${trustDomain}`);
      }
      name = parsed.name;
    } else {
      if (!isAgentName(name))
        throw new TypeError(`${at}: name or id is required (name: letters, digits, . - _)`);
      if (trustDomain !== undefined) id = `spiffe://${trustDomain}/agent/${name}`;
    }
    if (name === undefined) throw new TypeError(`${at}: name or id is required`);
    assertText(registration.owner, 'owner', at);
    assertText(registration.purpose, 'purpose', at);
    assertStrings(registration.tools, 'tools', at);
    if (registration.scopes !== undefined) assertStrings(registration.scopes, 'scopes', at);
    const status = registration.status ?? 'active';
    if (!AGENT_STATUSES.includes(status))
      throw new TypeError(`${at}: status must be one of ${AGENT_STATUSES.join(', ')}`);
    if (byName.has(name)) throw new TypeError(`${at}: agent ${JSON.stringify(name)} is already registered`);
    const time = now();
    const record: AgentRecord = Object.freeze({
      name,
      id,
      owner: registration.owner,
      purpose: registration.purpose,
      tools: Object.freeze([...registration.tools]),
      scopes: Object.freeze([...(registration.scopes ?? registration.tools)]),
      status,
      environment: freezeEnvironment(registration.environment, at),
      registeredAt: time,
      updatedAt: time,
    });
    byName.set(name, record);
    return record;
  }

  function checkOne(reference: string, auditEnabled: boolean): AgentChecklist {
    const record = find(reference);
    if (!record) {
      return {
        agent: reference,
        ok: false,
        items: [{ check: 'identity-registered', ok: false, detail: 'not in the registry' }],
      };
    }
    const wildcards = [...new Set([...record.tools, ...record.scopes])].filter((entry) =>
      WILDCARD.test(entry),
    );
    const items: ChecklistItem[] = [
      { check: 'identity-registered', ok: true, detail: record.id ?? record.name },
      { check: 'owner-assigned', ok: record.owner.trim() !== '', detail: record.owner },
      {
        check: 'no-wildcard-permissions',
        ok: wildcards.length === 0,
        detail:
          wildcards.length === 0
            ? `${record.tools.length} tool(s), no wildcard`
            : `wildcards: ${wildcards.join(', ')}`,
      },
      { check: 'audit-enabled', ok: auditEnabled, detail: auditEnabled ? 'audit on' : 'audit is off' },
      { check: 'status-active', ok: record.status === 'active', detail: record.status },
    ];
    return { agent: record.id ?? record.name, ok: items.every((item) => item.ok), items };
  }

  for (const registration of options.agents ?? []) register(registration);

  return {
    trustDomain,
    register,
    get: find,
    list: () => [...byName.values()],
    setStatus(reference, status) {
      if (!AGENT_STATUSES.includes(status))
        throw new TypeError(`setStatus(): status must be one of ${AGENT_STATUSES.join(', ')}`);
      const record = find(reference);
      if (!record) throw new TypeError(`setStatus(): agent ${JSON.stringify(reference)} is not registered`);
      if (record.status === 'retired' && status !== 'retired') {
        throw new TypeError(`setStatus(): agent ${record.name} is retired; register a new agent instead`);
      }
      const updated: AgentRecord = Object.freeze({ ...record, status, updatedAt: now() });
      byName.set(record.name, updated);
      return updated;
    },
    check(checkOptions) {
      if (typeof checkOptions?.auditEnabled !== 'boolean')
        throw new TypeError('check(): auditEnabled must be a boolean');
      const references = checkOptions.agents ?? [...byName.keys()];
      const agents = references.map((reference) => checkOne(reference, checkOptions.auditEnabled));
      return { ok: agents.length > 0 && agents.every((agent) => agent.ok), agents };
    },
  };
}
