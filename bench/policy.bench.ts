/**
 * Policy decision latency against rule count on realistic policies (see `policy-shapes.ts`: 50
 * tools, many agents, teams and roles, argument conditions, deny rules and global guardrails, several
 * rules per tool), Palisade beside Cedar (cedar-wasm, preparsed) and casbin on the same policies, and
 * the floor (a bare function call) in the same run.
 *
 *   tsx --conditions=@palisade/source bench/policy.bench.ts
 *
 * Prints `bench policy-<shape> ... ratio=<p50@10k / p50@10>` (target <= 1.5, and p50 <= 2 us at
 * every size), and one `bench policy-<shape>-<peer>` line per peer and size with its p50 as a ratio
 * to Palisade's at the same size. Every engine must reach the same decisions on the probes before
 * it is timed.
 */
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { ActionRequest } from '@palisade/core';
import { createPolicyEngine, definePolicy } from '@palisade/policy';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import {
  type BenchProbe,
  benchProbes,
  benchRules,
  CASBIN_MODEL,
  casbinLines,
  cedarPolicies,
  palisadeDocument,
  type Shape,
} from './policy-shapes.js';

const SIZES = [10, 100, 1_000, 10_000] as const;
const SHAPES: readonly Shape[] = ['spread', 'dense'];
const BUDGET_MS = Number(process.env.POLICY_BENCH_BUDGET_MS ?? 700);
/** Slow peers (milliseconds a decision at 10,000 rules) get fewer samples, never fewer than this. */
const MIN_SAMPLES = 12;

interface Timing {
  readonly p50: number;
  readonly p99: number;
}

/** Times `run` over the probes in batches of about 20 us, and reports per-call p50 / p99 in microseconds. */
function measure(probes: readonly BenchProbe[], run: (probe: BenchProbe) => boolean): Timing {
  const warmStart = performance.now();
  for (let warm = 0; warm < 5000 && performance.now() - warmStart < 150; warm += 1)
    run(probes[warm % probes.length] as BenchProbe);
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
  probes: readonly BenchProbe[],
  run: (probe: BenchProbe) => boolean,
  batch: number,
  offset: number,
): number {
  const start = process.hrtime.bigint();
  for (let index = 0; index < batch; index += 1)
    if (run(probes[(offset + index) % probes.length] as BenchProbe)) sink += 1;
  return Number(process.hrtime.bigint() - start) / 1000 / batch;
}

function palisadeRequest(probe: BenchProbe): ActionRequest {
  return {
    kind: 'tool',
    name: probe.tool,
    effect: 'read',
    input: { amount: probe.amount },
    callId: 'bench',
    principal: {
      agent: { id: probe.agent },
      user: { id: `user-of-${probe.role}`, roles: [probe.role], tenant: probe.team },
      delegation: [],
      scopes: [],
      claims: {},
    },
    context: { time: 0, labels: [], userMessages: [], attributes: {} },
  };
}

interface Engine {
  readonly name: string;
  readonly decide: (probe: BenchProbe) => boolean;
}

async function engines(shape: Shape, size: number): Promise<Engine[]> {
  const rules = benchRules(shape, size);
  const palisade = createPolicyEngine({ policy: definePolicy(palisadeDocument(rules) as never) });
  const requests = new Map<BenchProbe, ActionRequest>();
  const palisadeDecide = (probe: BenchProbe) => {
    let request = requests.get(probe);
    if (request === undefined) {
      request = palisadeRequest(probe);
      requests.set(probe, request);
    }
    return palisade.decide(request).effect === 'allow';
  };

  const setId = `bench_${shape}_${size}`;
  const parsed = preparsePolicySet(setId, { staticPolicies: cedarPolicies(rules) });
  if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed)}`);
  const cedarDecide = (probe: BenchProbe) => {
    const answer = statefulIsAuthorized({
      principal: { type: 'Agent', id: probe.agent },
      action: { type: 'Action', id: 'call' },
      resource: { type: 'Tool', id: probe.tool },
      context: { roles: [probe.role], team: probe.team, amount: probe.amount, tainted: false },
      preparsedPolicySetId: setId,
      entities: [],
    });
    if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer)}`);
    return answer.response.decision === 'allow';
  };

  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(casbinLines(rules)));
  const casbinDecide = (probe: BenchProbe) =>
    enforcer.enforceSync(probe.agent, probe.role, probe.team, probe.tool, probe.amount, false);

  const all: Engine[] = [
    { name: 'palisade', decide: palisadeDecide },
    { name: 'cedar-wasm', decide: cedarDecide },
    { name: 'casbin', decide: casbinDecide },
  ];
  // POLICY_BENCH_PEERS=0 times Palisade alone (for quick runs); the report always includes the peers.
  return process.env.POLICY_BENCH_PEERS === '0' ? all.slice(0, 1) : all;
}

const format = (value: number) =>
  value < 10 ? value.toFixed(3) : value < 1000 ? value.toFixed(1) : value.toFixed(0);

for (const shape of SHAPES) {
  const own = new Map<number, Timing>();
  const rulesPerTool: number[] = [];
  for (const size of SIZES) {
    const rules = benchRules(shape, size);
    const probes = benchProbes(rules);
    rulesPerTool.push(Math.round(rules.reduce((total, rule) => total + (rule.tools?.length ?? 50), 0) / 50));
    const all = await engines(shape, size);
    // Correctness first: every engine reaches Palisade's decision on every probe, both ways occur.
    const expected = probes.map((probe) => (all[0] as Engine).decide(probe));
    if (!expected.includes(true) || !expected.includes(false))
      throw new Error(`${shape}@${size}: the probes do not reach both allow and deny`);
    for (const engine of all) {
      probes.forEach((probe, index) => {
        if (engine.decide(probe) !== expected[index])
          throw new Error(`${engine.name} disagrees with palisade on ${shape}@${size} probe ${index}`);
      });
    }
    const bare = (probe: BenchProbe) => probe.amount <= 500;
    const floor = measure(probes, bare);
    const timings = all.map((engine) => ({ engine, timing: measure(probes, engine.decide) }));
    const palisade = (timings[0] as { timing: Timing }).timing;
    own.set(size, palisade);
    console.log(
      `bench policy-${shape}-floor rules=${size} p50=${format(floor.p50)}us (a bare function call)`,
    );
    for (const { engine, timing } of timings) {
      const suffix = engine.name === 'palisade' ? '' : `-${engine.name}`;
      console.log(
        `bench policy-${shape}${suffix} rules=${size} p50=${format(timing.p50)}us p99=${format(timing.p99)}us ratio=${(timing.p50 / palisade.p50).toFixed(2)} (x palisade p50)`,
      );
    }
  }
  const small = own.get(10) as Timing;
  const large = own.get(10_000) as Timing;
  const worst = Math.max(...[...own.values()].map((timing) => timing.p50));
  console.log(
    `bench policy-${shape} p50@10=${format(small.p50)}us p50@100=${format((own.get(100) as Timing).p50)}us p50@1k=${format((own.get(1_000) as Timing).p50)}us p50@10k=${format(large.p50)}us rules-per-tool@10k=${rulesPerTool.at(-1)} ratio=${(large.p50 / small.p50).toFixed(2)} (p50@10k / p50@10; target <= 1.5: ${large.p50 / small.p50 <= 1.5 ? 'met' : 'NOT MET'}; worst p50 ${format(worst)}us, target <= 2: ${worst <= 2 ? 'met' : 'NOT MET'})`,
  );
}
if (sink < 0) console.log(sink);
