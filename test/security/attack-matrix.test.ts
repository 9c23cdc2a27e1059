/**
 * Runs every attack scenario in `test/security/attacks/*.ts` and prints one line per attack:
 * `attack <name> held` or `attack <name> broken: <how>`. Fails if any attack got through.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AttackScenario } from './attack-scenario.js';

const directory = new URL('./attacks/', import.meta.url);
const scenarios: AttackScenario[] = [];
for (const file of readdirSync(directory)
  .filter((name) => /\.ts$/.test(name) && !/\.test\.ts$/.test(name))
  .sort()) {
  const module = (await import(new URL(file, directory).href)) as { attacks?: unknown };
  if (!Array.isArray(module.attacks))
    throw new TypeError(`${file} must export \`attacks\`, a list of scenarios`);
  scenarios.push(...(module.attacks as AttackScenario[]));
}
scenarios.sort((left, right) => left.item - right.item || left.name.localeCompare(right.name));

describe('attack matrix (issue 12)', () => {
  it('has scenarios with unique names', () => {
    const names = scenarios.map((scenario) => scenario.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const scenario of scenarios) {
    it(`attack ${scenario.name} (item ${scenario.item})`, async (context) => {
      const skipped = await scenario.skip?.();
      if (skipped !== undefined) {
        process.stdout.write(`attack ${scenario.name} skipped: ${skipped}\n`);
        context.skip();
        return;
      }
      let verdict: Awaited<ReturnType<AttackScenario['run']>>;
      try {
        verdict = await scenario.run();
      } catch (error) {
        verdict = {
          held: false,
          detail: `the scenario threw: ${error instanceof Error ? error.stack : String(error)}`,
        };
      }
      process.stdout.write(
        verdict.held
          ? `attack ${scenario.name} held\n`
          : `attack ${scenario.name} broken: ${verdict.detail}\n`,
      );
      expect(verdict.held, verdict.held ? '' : verdict.detail).toBe(true);
    });
  }
});
