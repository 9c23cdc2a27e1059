import { guard } from '@palisade/core';
import { anyInput, decider, verifier } from '../test/audit-fixtures.ts';
const CALLS = Number(process.argv[2]);
const recorder = { record: (_c: unknown, run: (s: unknown) => Promise<unknown>) => run({ decided() {}, async intent() {}, result() {} }) } as never;
const update = guard({ name: 'u', description: 'u', inputSchema: anyInput, effect: 'write', async execute(input) { return input.n; } }, { verifier, decider: decider(), recorder });
let t0 = performance.now();
for (let n = 0; n < CALLS; n++) await update.call({ n }, { credential: 'token', callId: `c${n}` });
console.log('sequential', CALLS, Math.round(performance.now() - t0), 'ms');
t0 = performance.now();
const ps = []; for (let n = 0; n < CALLS; n++) ps.push(update.call({ n }, { credential: 'token', callId: `c${n}` }));
await Promise.all(ps);
console.log('concurrent', CALLS, Math.round(performance.now() - t0), 'ms');
t0 = performance.now();
async function f(n: number) { for (let i = 0; i < 10; i++) await null; return n; }
await Promise.all(Array.from({ length: CALLS }, (_, n) => f(n)));
console.log('plain async', CALLS, Math.round(performance.now() - t0), 'ms');
