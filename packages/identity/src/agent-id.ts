const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const AGENT_URI = /^spiffe:\/\/([a-z0-9._-]{1,255})\/agent\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

/** The parts of an agent id. */
export interface ParsedAgentId {
  readonly trustDomain: string;
  readonly name: string;
}

/** True when `value` is a valid SPIFFE trust domain name (lowercase letters, digits, `.`, `-`, `_`). */
export function isTrustDomain(value: unknown): value is string {
  return typeof value === 'string' && TRUST_DOMAIN.test(value);
}

/** True when `value` is a valid agent name (a path segment: letters, digits, `.`, `-`, `_`). */
export function isAgentName(value: unknown): value is string {
  return typeof value === 'string' && AGENT_NAME.test(value);
}

/**
 * Builds the SPIFFE-style id of an agent.
 *
 * @example
 * ```ts
 * agentId('acme.example', 'support-bot'); // 'spiffe://acme.example/agent/support-bot'
 * ```
 */
export function agentId(trustDomain: string, name: string): string {
  if (!isTrustDomain(trustDomain)) throw new TypeError(`Invalid trust domain ${JSON.stringify(trustDomain)}`);
  if (!isAgentName(name)) throw new TypeError(`Invalid agent name ${JSON.stringify(name)}`);
  return `spiffe://${trustDomain}/agent/${name}`;
}

/**
 * Splits an agent id into trust domain and name; `undefined` when it is not one.
 *
 * @example
 * ```ts
 * parseAgentId('spiffe://acme.example/agent/support-bot'); // { trustDomain: 'acme.example', name: 'support-bot' }
 * ```
 */
export function parseAgentId(id: unknown): ParsedAgentId | undefined {
  if (typeof id !== 'string') return undefined;
  const match = AGENT_URI.exec(id);
  return match ? { trustDomain: match[1]!, name: match[2]! } : undefined;
}
