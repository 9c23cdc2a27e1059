/**
 * Runs every benchmark in turn, each in its own process so one cannot warm the caches of another.
 * Usage: `pnpm bench` (or `tsx --conditions=@palisade/source bench/run-all.ts [name...]`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES: readonly string[] = [
  'identity',
  'approval',
  'audit',
  'policy',
  'guard',
  'memory',
  'ai-sdk-adapter',
  'mcp-adapter',
  'langchain-adapter',
  'retrieval',
];

const only = process.argv.slice(2);
const here = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
for (const name of BENCHES) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@palisade/source', `${here}${name}.bench.ts`],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
