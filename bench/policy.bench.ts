/**
 * Policy decision latency against rule count, Palisade beside its peers on an equivalent policy.
 *
 * Each policy has N rules spread over N distinct tools; rule i lets the support agent, acting for a
 * user with the `support` role, call tool_i when `amount <= 100`. Requests rotate over 64 tools with
 * amounts on both sides of the threshold. Usage: `tsx --conditions=@palisade/source bench/policy.bench.ts`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyEngine as AgtPolicyEngine, ConflictResolutionStrategy } from '@microsoft/agent-governance-sdk';
import type { ActionRequest } from '@palisade/core';
import { createPolicyEngine, definePolicy, type PolicyDocument } from '@palisade/policy';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';

const SIZES = [10, 100, 1_000, 10_000] as const;
const AGENT = 'spiffe://acme.example/agent/support-bot';
const BUDGET_MS = 1_000;
/** Slow peers (tens of ms a decision at 10,000 rules) get fewer samples, never fewer than this. */
const MIN_SAMPLES = 12;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Probe {
  readonly tool: string;
  readonly amount: number;
  readonly allowed: boolean;
}

function probesFor(size: number): Probe[] {
  return Array.from({ length: 64 }, (_, index) => {
    const tool = `tool_${(index * 7919) % size}`;
    const amount = index % 3 === 0 ? 250 : 40;
    return { tool, amount, allowed: amount <= 100 };
  });
}

/** Times `run` over the probes in batches sized to ~20 us, and reports per-call p50 / p99 in microseconds. */
function measure(probes: readonly Probe[], run: (probe: Probe) => boolean): { p50: number; p99: number } {
  // Correctness first, on a few probes on both sides of the threshold.
  for (const probe of probes.slice(0, 6)) {
    if (run(probe) !== probe.allowed)
      throw new Error(`wrong decision for ${probe.tool} amount ${probe.amount}`);
  }
  const warmStart = performance.now();
  for (let warm = 0; warm < 2000 && performance.now() - warmStart < 150; warm += 1)
    run(probes[warm % probes.length] as Probe);
  const single = timeBatch(probes, run, 1, 0);
  const batch = Math.max(1, Math.min(probes.length, Math.floor(20 / Math.max(single, 0.001))));
  const samples: number[] = [];
  const started = performance.now();
  let offset = 0;
  while (
    (performance.now() - started < BUDGET_MS && samples.length < 20_000) ||
    samples.length < MIN_SAMPLES
  ) {
    samples.push(timeBatch(probes, run, batch, offset));
    offset = (offset + batch) % probes.length;
  }
  samples.sort((a, b) => a - b);
  const at = (quantile: number) =>
    samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

let sink = 0;
function timeBatch(
  probes: readonly Probe[],
  run: (probe: Probe) => boolean,
  batch: number,
  offset: number,
): number {
  const start = process.hrtime.bigint();
  for (let index = 0; index < batch; index += 1)
    if (run(probes[(offset + index) % probes.length] as Probe)) sink += 1;
  return Number(process.hrtime.bigint() - start) / 1000 / batch;
}

function heapDelta(build: () => unknown): { value: unknown; bytes: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = build();
  gc();
  return { value, bytes: process.memoryUsage().heapUsed - before };
}

// --- Palisade -------------------------------------------------------------------------------------

function palisadeDocument(size: number): PolicyDocument {
  const tools: Record<string, { effect: 'read' }> = {};
  const rules = [];
  for (let index = 0; index < size; index += 1) {
    tools[`tool_${index}`] = { effect: 'read' };
    rules.push({
      id: `rule_${index}`,
      effect: 'allow' as const,
      tools: [`tool_${index}`],
      agents: [AGENT],
      roles: ['support'],
      when: { 'input.amount': { lte: 100 } },
    });
  }
  return definePolicy({ tools, rules });
}

function palisadeRequests(probes: readonly Probe[]): Map<Probe, ActionRequest> {
  const requests = new Map<Probe, ActionRequest>();
  for (const probe of probes) {
    requests.set(probe, {
      kind: 'tool',
      name: probe.tool,
      effect: 'read',
      input: { amount: probe.amount },
      callId: 'bench',
      principal: {
        agent: { id: AGENT },
        user: { id: 'alice', roles: ['support'] },
        delegation: [],
        scopes: [],
        claims: {},
      },
      context: { time: 0, labels: [], userMessages: [], attributes: {} },
    });
  }
  return requests;
}

// --- Cedar (preparsed policy set) ------------------------------------------------------------------

function cedarPolicies(size: number): string {
  const lines: string[] = [];
  for (let index = 0; index < size; index += 1) {
    lines.push(
      `@id("rule_${index}") permit(principal == Agent::"${AGENT}", action == Action::"call", resource == Tool::"tool_${index}") ` +
        'when { context.role == "support" && context.amount <= 100 };',
    );
  }
  return lines.join('\n');
}

// --- casbin ----------------------------------------------------------------------------------------

const CASBIN_MODEL = `
[request_definition]
r = sub, role, obj, act, amount

[policy_definition]
p = sub, role, obj, act, max

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.role == p.role && r.obj == p.obj && r.act == p.act && r.amount <= p.max
`;

async function casbinEnforcer(size: number) {
  const lines: string[] = [];
  for (let index = 0; index < size; index += 1) lines.push(`p, ${AGENT}, support, tool_${index}, call, 100`);
  return newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(lines.join('\n')));
}

// --- Agent Governance Toolkit ---------------------------------------------------------------------

function agtEngine(size: number): AgtPolicyEngine {
  const engine = new AgtPolicyEngine([], ConflictResolutionStrategy.DenyOverrides);
  engine.loadPolicy({
    name: 'support',
    agents: [AGENT],
    default_action: 'deny',
    rules: Array.from({ length: size }, (_, index) => ({
      name: `rule_${index}`,
      condition: `tool == 'tool_${index}' and role == 'support' and amount <= 100`,
      ruleAction: 'allow' as const,
    })),
  });
  return engine;
}

// --- run -------------------------------------------------------------------------------------------

interface Row {
  readonly engine: string;
  readonly size: number;
  readonly p50: number;
  readonly p99: number;
}

const rows: Row[] = [];
const heaps: { size: number; bytes: number }[] = [];

for (const size of SIZES) {
  const probes = probesFor(size);

  const floorMap = new Map<string, (amount: number, roles: readonly string[], agent: string) => boolean>();
  for (let index = 0; index < size; index += 1) {
    floorMap.set(
      `tool_${index}`,
      (amount, roles, agent) => agent === AGENT && roles.includes('support') && amount <= 100,
    );
  }
  const floorRoles = ['support'];
  const floor = measure(
    probes,
    (probe) => floorMap.get(probe.tool)?.(probe.amount, floorRoles, AGENT) === true,
  );
  rows.push({ engine: 'floor (Map-indexed closure)', size, ...floor });

  const built = heapDelta(() => createPolicyEngine({ policy: palisadeDocument(size) }));
  const palisade = built.value as ReturnType<typeof createPolicyEngine>;
  heaps.push({ size, bytes: built.bytes });
  const requests = palisadeRequests(probes);
  rows.push({
    engine: 'palisade',
    size,
    ...measure(probes, (probe) => palisade.decide(requests.get(probe) as ActionRequest).effect === 'allow'),
  });

  const psetId = `bench_${size}`;
  const parsed = preparsePolicySet(psetId, { staticPolicies: cedarPolicies(size) });
  if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed)}`);
  rows.push({
    engine: 'cedar-wasm (preparsed)',
    size,
    ...measure(probes, (probe) => {
      const answer = statefulIsAuthorized({
        principal: { type: 'Agent', id: AGENT },
        action: { type: 'Action', id: 'call' },
        resource: { type: 'Tool', id: probe.tool },
        context: { role: 'support', amount: probe.amount },
        preparsedPolicySetId: psetId,
        entities: [],
      });
      return answer.type === 'success' && answer.response.decision === 'allow';
    }),
  });

  const enforcer = await casbinEnforcer(size);
  rows.push({
    engine: 'casbin enforceSync',
    size,
    ...measure(probes, (probe) => enforcer.enforceSync(AGENT, 'support', probe.tool, 'call', probe.amount)),
  });

  const agt = agtEngine(size);
  rows.push({
    engine: '@microsoft/agent-governance-sdk',
    size,
    ...measure(
      probes,
      (probe) =>
        agt.evaluatePolicy(AGENT, { tool: probe.tool, role: 'support', amount: probe.amount }).allowed,
    ),
  });
}

const format = (value: number) =>
  value < 10 ? value.toFixed(3) : value < 1000 ? value.toFixed(1) : value.toFixed(0);
console.log(
  `\nPolicy decision latency (microseconds per decision; ratio = p50 / Palisade p50 at the same size)\n`,
);
console.log(
  `${'engine'.padEnd(34)}${'rules'.padStart(8)}${'p50 us'.padStart(12)}${'p99 us'.padStart(12)}${'x palisade'.padStart(12)}`,
);
for (const size of SIZES) {
  const own = rows.find((row) => row.engine === 'palisade' && row.size === size) as Row;
  for (const row of rows.filter((item) => item.size === size)) {
    console.log(
      `${row.engine.padEnd(34)}${String(row.size).padStart(8)}${format(row.p50).padStart(12)}${format(row.p99).padStart(12)}${(row.p50 / own.p50).toFixed(2).padStart(12)}`,
    );
  }
  console.log('');
}
for (const heap of heaps) {
  console.log(
    `palisade heap for ${heap.size} rules: ${(heap.bytes / 1024 / 1024).toFixed(2)} MiB (${Math.round(heap.bytes / heap.size)} bytes per rule)`,
  );
}
const worst = Math.max(...rows.filter((row) => row.engine === 'palisade').map((row) => row.p50));
console.log(`\nPalisade p50 at every size <= 2 us: ${worst <= 2 ? 'yes' : 'NO'} (worst ${format(worst)} us)`);
if (sink < 0) console.log(sink);
