/**
 * Retrieval guard benchmark: redaction and rule screening throughput on 1 MiB of mixed text beside
 * the offline peers, in the same run, and 100 documents of 2 KiB through the whole guard.
 *
 *   tsx --conditions=@palisade/source bench/retrieval.bench.ts
 *
 * Throughput is MB/s (MiB of input per second, median of the runs). Peers that are much slower run
 * on a slice of the same text and are scaled. A peer that cannot be loaded is reported as such.
 */
import type { Principal } from '@palisade/core';
import {
  createClassifierDetector,
  createPermissions,
  createRedactor,
  documentAcl,
  guardRetriever,
  type RetrievedDocument,
  scanInjection,
} from '@palisade/retrieval-guard';
import { mixedText } from './retrieval-corpus.js';
import { percentile } from './support.js';

const MIB = 1 << 20;
const text = mixedText(MIB);

async function throughput(bytes: number, runs: number, fn: () => unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((left, right) => left - right);
  return bytes / MIB / (percentile(times, 50) / 1000);
}

const rows: Array<[string, string]> = [];
const mbps = (value: number) => `${value < 1 ? value.toFixed(3) : value.toFixed(1)} MB/s`;

rows.push(['floor: text.toLowerCase()', mbps(await throughput(MIB, 10, () => text.toLowerCase()))]);
const redactor = createRedactor();
const find = await throughput(MIB, 10, () => redactor.find(text));
rows.push(['palisade: redaction (find, every type)', mbps(find)]);
rows.push([
  'palisade: redaction (redact, mask)',
  mbps(await throughput(MIB, 10, () => redactor.redact(text))),
]);
const screen = await throughput(MIB, 10, () => scanInjection(text));
rows.push(['palisade: rule screening', mbps(screen)]);
const both = await throughput(MIB, 10, () => {
  redactor.find(text);
  scanInjection(text);
});
rows.push(['palisade: redaction + rule screening', mbps(both)]);
const classifier = createClassifierDetector();
rows.push([
  'palisade: shipped classifier (reported apart)',
  mbps(await throughput(MIB, 10, () => classifier.detect(text))),
]);

try {
  const { OpenRedaction } = (await import('openredaction')) as unknown as {
    OpenRedaction: new (options: object) => { detect(text: string): Promise<unknown> };
  };
  const peer = new OpenRedaction({ redactionMode: 'placeholder' });
  const slice = text.slice(0, 64 * 1024);
  rows.push([
    'openredaction: detect (on 64 KiB)',
    mbps(await throughput(slice.length, 3, () => peer.detect(slice))),
  ]);
} catch (error) {
  rows.push(['openredaction', `not installable here (${(error as Error).message.split('\n')[0]})`]);
}
try {
  const { redact } = (await import('@arcjet/redact')) as unknown as {
    redact(text: string): Promise<unknown>;
  };
  const slice = text.slice(0, 256 * 1024);
  rows.push([
    '@arcjet/redact: redact (on 256 KiB)',
    mbps(await throughput(slice.length, 3, () => redact(slice))),
  ]);
} catch (error) {
  rows.push(['@arcjet/redact', `not installable here (${(error as Error).message.split('\n')[0]})`]);
}
try {
  const name = 'llm_guardrail';
  const guardrail = (await import(name)) as { checkInjection(text: string): Promise<unknown> };
  const slice = text.slice(0, 256 * 1024);
  const windows = slice.match(/[\s\S]{1,2048}/g) ?? [];
  rows.push([
    'llm_guardrail: checkInjection per 2 KiB (on 256 KiB)',
    mbps(
      await throughput(slice.length, 3, async () => {
        for (const window of windows) await guardrail.checkInjection(window);
      }),
    ),
  ]);
} catch (error) {
  rows.push(['llm_guardrail', `not installable here (${(error as Error).message.split('\n')[0]})`]);
}

// The whole guard: 100 documents of 2 KiB, permitted, screened, redacted, recorded.
const permissions = createPermissions({ classifications: { internal: { roles: '*', agents: '*' } } });
const acl = documentAcl({ tenant: 'acme', classification: 'internal', everyone: true, agents: '*' });
const documents: RetrievedDocument[] = Array.from({ length: 100 }, (_, index) => ({
  id: `d${index}`,
  pageContent: text.slice(index * 2048, (index + 1) * 2048),
  metadata: { ...acl },
}));
const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot' },
  user: { id: 'alice', roles: ['support'], tenant: 'acme' },
  delegation: [],
  scopes: [],
  claims: {},
};
const guarded = guardRetriever(async () => documents, {
  name: 'kb',
  permissions,
  provenance: 'unchecked',
  onInjection: 'spotlight',
  k: 100,
  recorder: { record() {} },
});
for (let warm = 0; warm < 20; warm += 1) await guarded.retrieve('q', { principal });
const latencies: number[] = [];
for (let run = 0; run < 200; run += 1) {
  const started = performance.now();
  await guarded.retrieve('q', { principal });
  latencies.push(performance.now() - started);
}
latencies.sort((left, right) => left - right);
rows.push(['guard: 100 docs x 2 KiB, p50', `${percentile(latencies, 50).toFixed(2)} ms`]);
rows.push(['guard: 100 docs x 2 KiB, p99', `${percentile(latencies, 99).toFixed(2)} ms`]);

const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
