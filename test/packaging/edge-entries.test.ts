/**
 * The main entries that must load on edge runtimes and workers (Vercel Edge, Cloudflare Workers)
 * use Web APIs only: walking each entry's runtime import graph inside its package finds no `node:`
 * or bare Node built-in import, and no Node-only global (`process.`, `Buffer`). The walk follows
 * every runtime import (`import type` / `export type` are erased and skipped); imports of other
 * packages are left to that package's own walk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EDGE_PACKAGES } from '../support/edge-packages.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE_BUILTINS = new Set(builtinModules);

/** Specifiers of the imports that exist at run time (`import type` / `export type` are erased). */
function runtimeImports(code: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of code.matchAll(pattern)) {
    if (match[2] === undefined) specifiers.push(match[3]!);
  }
  for (const match of code.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g))
    specifiers.push(match[1]!);
  return specifiers;
}

/** The code without comments, so that TSDoc mentioning `process.env` is not a finding. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function resolveLocal(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** Every finding of a Node-only dependency in the graph reachable from `entry`. */
function nodeOnlyFindings(entry: string): string[] {
  const findings: string[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = withoutComments(readFileSync(file, 'utf8'));
    const where = relative(root, file);
    for (const specifier of runtimeImports(code)) {
      if (specifier.startsWith('.')) queue.push(resolveLocal(file, specifier));
      else if (specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]!))
        findings.push(`${where} imports ${specifier}`);
    }
    const bare = code.replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
    for (const [pattern, name] of [
      [/(?<![\w.$])process\s*\./, 'process.'],
      [/(?<![\w.$])Buffer\b/, 'Buffer'],
    ] as const) {
      if (pattern.test(bare)) findings.push(`${where} uses ${name}`);
    }
  }
  return findings;
}

describe('edge-ready main entries', () => {
  for (const name of EDGE_PACKAGES) {
    it(`@palisade/${name}: src/index.ts reaches no node: import and no Node-only global`, () => {
      expect(nodeOnlyFindings(join(root, 'packages', name, 'src', 'index.ts'))).toEqual([]);
    });
  }

  it('finds a node: import, a bare built-in, process. and Buffer in a reached module', () => {
    const dir = join(root, 'test', 'packaging', 'fixtures', 'edge-walk');
    expect(nodeOnlyFindings(join(dir, 'index.ts')).sort()).toEqual(
      [
        'test/packaging/fixtures/edge-walk/deep/leaf.ts imports node:crypto',
        'test/packaging/fixtures/edge-walk/deep/leaf.ts uses Buffer',
        'test/packaging/fixtures/edge-walk/middle.ts imports fs',
        'test/packaging/fixtures/edge-walk/middle.ts uses process.',
      ].sort(),
    );
  });
});
