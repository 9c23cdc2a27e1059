import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Core runs on Node, edge runtimes and workers: nothing it ships may import a Node-only module.

const SOURCE = fileURLToPath(new URL('.', import.meta.url));

function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('@palisade/core is runtime-neutral', () => {
  it('imports no node: module (nor a bare Node built-in) from any shipped source', () => {
    const offenders = sources(SOURCE).filter((path) =>
      /\bfrom\s+['"](node:|(fs|path|crypto|async_hooks|url|os|stream|buffer|events)['"])|\bimport\(\s*['"]node:|\brequire\(/.test(
        readFileSync(path, 'utf8'),
      ),
    );
    expect(offenders.map((path) => relative(SOURCE, path))).toEqual([]);
  });
});
