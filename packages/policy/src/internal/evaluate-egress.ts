import type { ActionRequest, Decision, Obligation } from '@palisade/core';
import type { PolicyFacts } from '../policy-facts.js';
import { inRange as inRangeOf, parseAddress, specialRange } from './address.js';
import type { CompiledEgressRule, CompiledPolicy } from './compile-policy.js';
import type { EvaluationTrace } from './evaluate.js';

/** The input of an `egress` request, as the guarded fetch builds it. */
export interface EgressInput {
  readonly url: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  /** The resolved address the connection would go to. */
  readonly address: string;
}

const NO_OBLIGATIONS: readonly Obligation[] = Object.freeze([]);

function readInput(input: unknown): EgressInput | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const candidate = input as Record<string, unknown>;
  for (const key of ['url', 'scheme', 'host', 'method', 'path', 'address']) {
    if (typeof candidate[key] !== 'string') return undefined;
  }
  if (typeof candidate.port !== 'number' || !Number.isInteger(candidate.port)) return undefined;
  return candidate as unknown as EgressInput;
}

/**
 * Decides an outbound HTTP request: deny rules override allow rules, nothing allowed is denied, and a
 * loopback, private or link-local address passes only an allow rule that lists its range.
 */
export function evaluateEgress(
  policy: CompiledPolicy,
  request: ActionRequest,
  trace: EvaluationTrace | undefined,
): Decision {
  const deny = (reason: string, ruleIds: readonly string[] = []): Decision => {
    trace?.checks.push(reason);
    return { effect: 'deny', reason, ruleIds, policyVersion: policy.version, obligations: NO_OBLIGATIONS };
  };
  const input = readInput(request.input);
  if (!input) return deny('egress request without scheme, host, port, method, path and resolved address');
  const address = parseAddress(input.address);
  if (!address) return deny(`egress address "${input.address}" is not an IP address`);
  const special = specialRange(address);
  trace?.checks.push(
    `egress ${input.method} ${input.scheme}://${input.host}:${input.port}${input.path} -> ${input.address}${special ? ` (${special})` : ''}`,
  );
  const facts: PolicyFacts = {
    input,
    principal: request.principal,
    resource: { name: request.name, kind: 'egress', effect: request.effect, target: input.host },
    context: request.context,
    request,
  };
  const host = input.host.toLowerCase();
  const denies: string[] = [];
  const allows: string[] = [];
  // Deny rules that applied because their condition was unknown, with why.
  const undecided = new Map<string, string>();
  let blockedBySpecial: string | undefined;
  for (const rule of policy.egress) {
    const miss = mismatch(rule, input, host, address, facts);
    if (miss !== undefined) {
      trace?.rules.push({ id: rule.id, effect: rule.effect, matched: false, detail: miss });
      continue;
    }
    if (rule.effect === 'deny') {
      denies.push(rule.id);
      const unknown = rule.when?.explain(facts);
      if (unknown?.result === 'unknown') undecided.set(rule.id, unknown.detail);
      trace?.rules.push({
        id: rule.id,
        effect: rule.effect,
        matched: true,
        detail:
          unknown?.result === 'unknown'
            ? `matched: denies (condition unknown, so the rule applies: ${unknown.detail})`
            : 'matched: denies',
      });
    } else if (special !== undefined && !rule.addresses) {
      blockedBySpecial ??= rule.id;
      trace?.rules.push({
        id: rule.id,
        effect: rule.effect,
        matched: false,
        detail: `matches, but the address is ${special} and the rule lists no addresses`,
      });
    } else {
      allows.push(rule.id);
      trace?.rules.push({ id: rule.id, effect: rule.effect, matched: true, detail: 'matched: allows' });
    }
  }
  if (denies.length > 0) {
    const first = policy.egress.find((rule) => rule.id === denies[0]);
    const reason = first?.reason ?? `egress denied by rule "${denies[0]}"`;
    const unknown = undecided.get(denies[0] as string);
    return deny(
      unknown === undefined
        ? reason
        : `${reason} (a value the condition reads is missing or of the wrong type, so the deny applies (fail closed): ${unknown})`,
      denies,
    );
  }
  if (allows.length === 0) {
    if (blockedBySpecial !== undefined) {
      return deny(
        `egress to ${input.address} (${special}) needs an allow rule listing its range under addresses`,
      );
    }
    return deny(
      `no egress rule allows ${input.method} ${input.scheme}://${host}:${input.port}${input.path} (default deny)`,
    );
  }
  return {
    effect: 'allow',
    reason: `egress allowed by rule "${allows[0]}"`,
    ruleIds: allows,
    policyVersion: policy.version,
    obligations: NO_OBLIGATIONS,
  };
}

function mismatch(
  rule: CompiledEgressRule,
  input: EgressInput,
  host: string,
  address: Uint8Array,
  facts: PolicyFacts,
): string | undefined {
  if (rule.agents && !rule.agents(facts.principal.agent.id))
    return `agent ${facts.principal.agent.id} is not listed`;
  if (rule.user && !rule.user(facts.principal)) return 'the user is not listed';
  if (rule.schemes && !rule.schemes.has(input.scheme)) return `scheme ${input.scheme} is not listed`;
  if (rule.hosts && !rule.hosts(host)) return `host ${host} is not listed`;
  if (rule.ports && !rule.ports.has(input.port)) return `port ${input.port} is not listed`;
  if (rule.methods && !rule.methods.has(input.method)) return `method ${input.method} is not listed`;
  if (rule.paths && !rule.paths.some((prefix) => input.path.startsWith(prefix)))
    return `path ${input.path} is not under a listed prefix`;
  if (rule.addresses && !rule.addresses.some((range) => inRangeOf(address, range))) {
    return `address ${input.address} is not in a listed range`;
  }
  if (rule.when) {
    // Three-valued: an allow rule needs its condition true; a deny rule also applies when it is unknown.
    const outcome = rule.when.explain(facts);
    if (outcome.result === 'false') return `condition failed: ${outcome.detail}`;
    if (outcome.result === 'unknown' && rule.effect === 'allow')
      return `condition unknown, so the allow rule does not apply: ${outcome.detail}`;
  }
  return undefined;
}
