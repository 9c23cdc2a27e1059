/**
 * Bounded memory: a million sessions (and a million rate-limit windows) come and go, then the
 * process idles; the heap must come back within 10% of where it started.
 *
 *   tsx --conditions=@palisade/source bench/memory.bench.ts
 *
 * Prints `bench memory-<store> start_mb=... peak_mb=... idle_mb=... ratio=<idle / start>` (target
 * <= 1.10). The stores run on a clock the bench moves forward, so "idle for a day" takes no real
 * time; their sweep timers are real (200 ms here, 60 s by default).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemorySessionStore } from '@palisade/core';
import { createMemoryCounterStore } from '@palisade/policy';

const COUNT = Number(process.env.MEMORY_BENCH_COUNT ?? 1_000_000);
const SWEEP_MS = 200;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function report(name: string, start: number, peak: number, idle: number): void {
  const ratio = idle / start;
  console.log(
    `bench memory-${name} count=${COUNT} start_mb=${start.toFixed(1)} peak_mb=${peak.toFixed(1)} idle_mb=${idle.toFixed(1)} ratio=${ratio.toFixed(3)} (idle / start; target <= 1.10: ${ratio <= 1.1 ? 'met' : 'NOT MET'})`,
  );
}

{
  let time = Date.UTC(2026, 10, 2);
  const sessions = createMemorySessionStore({
    idleTtlMs: 3_600_000,
    maxSessions: COUNT,
    sweepIntervalMs: SWEEP_MS,
    now: () => time,
  });
  const start = heapMb();
  for (let index = 0; index < COUNT; index += 1) {
    const id = `session-${index}`;
    await sessions.labels(id);
    // One session in ten read untrusted content.
    if (index % 10 === 0) await sessions.addLabels(id, ['tainted']);
  }
  const peak = heapMb();
  if (sessions.size !== COUNT) throw new Error(`expected ${COUNT} sessions, found ${sessions.size}`);
  time += 3_600_001;
  await pause(SWEEP_MS * 3);
  const idle = heapMb();
  if (sessions.size !== 0) throw new Error(`${sessions.size} idle sessions were not swept`);
  report('sessions', start, peak, idle);
  sessions.dispose();
}

{
  let time = Date.UTC(2026, 10, 2);
  const counters = createMemoryCounterStore({
    maxCounters: COUNT,
    sweepIntervalMs: SWEEP_MS,
    now: () => time,
  });
  const start = heapMb();
  for (let index = 0; index < COUNT; index += 1) {
    await counters.consume({
      key: `lookups|agent="a"|user="user-${index}"`,
      amount: 1,
      limit: 100,
      windowMs: 60_000,
      now: time,
    });
  }
  const peak = heapMb();
  time += 120_000;
  await pause(SWEEP_MS * 3);
  const idle = heapMb();
  if (counters.size !== 0) throw new Error(`${counters.size} ended windows were not swept`);
  report('rate-limit-windows', start, peak, idle);
  counters.dispose();
}
