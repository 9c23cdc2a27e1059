/**
 * The TypeScript snippets of docs/retrieval-guard.md run as written: each one is written to a module
 * beside this test and imported, and what it logs is checked where the guide states it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const guide = readFileSync(resolve(here, '../../docs/retrieval-guard.md'), 'utf8');
const snippets = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
const folder = join(here, `.doc-snippets-${process.pid}`);
mkdirSync(folder, { recursive: true });
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function run(index: number): Promise<unknown[][]> {
  const file = join(folder, `snippet-${index}.ts`);
  writeFileSync(file, `${snippets[index]}\nexport {};\n`);
  const logged: unknown[][] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
  }
  return logged;
}

describe('docs/retrieval-guard.md', () => {
  it('has its snippets', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(6);
  });

  it('runs every snippet, and each says what the guide says', async () => {
    const outputs: unknown[][][] = [];
    for (let index = 0; index < snippets.length; index += 1) outputs.push(await run(index));
    const flat = outputs.map((lines) => lines.map((args) => args.map(String).join(' ')));
    const find = (pattern: RegExp) => flat.flat().some((line) => pattern.test(line));
    expect(find(/^2 true 1 tainted$/)).toBe(true); // the guarded retrieval
    const logged = outputs.flat();
    expect(logged).toContainEqual([{ ok: true }]); // provenance of the sealed document
    expect(logged).toContainEqual([{ ok: false, reason: 'hash' }]); // and of an edited one
    expect(find(/^true /)).toBe(true); // screening flags the injection
    expect(
      find(
        /^\[REDACTED:person\] <\[email:[0-9a-f]{16}\]>, card \[REDACTED:credit-card\], key \[REDACTED:secret\]$/,
      ),
    ).toBe(true);
    expect(find(/^ERR_MEMORY_WRITE_DENIED$/)).toBe(true);
    expect(find(/^Your token is \[REDACTED:secret\] — keep it safe, and have a good day\.$/)).toBe(true);
  }, 60_000);
});
