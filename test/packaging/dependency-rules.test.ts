/**
 * The dependency rules of the design, checked on the sources: no runtime import cycle inside a
 * package; core imports nothing of ours; nothing imports an adapter; no package reaches into
 * another's `src/` or `dist/`; and the package graph itself has no cycle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ADAPTERS = new Set(['@palisade/langchain', '@palisade/ai-sdk', '@palisade/mcp']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test-support' ? [] : sourceFiles(path);
    return /\.ts$/.test(name) && !/\.test(-d)?\.ts$/.test(name) ? [path] : [];
  });
}

/** Specifiers of the imports that exist at run time (`import type` / `export type` are erased). */
function runtimeImports(code: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of code.matchAll(pattern)) {
    if (match[2] === undefined) specifiers.push(match[3]!);
  }
  for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => {
    const base = join(root, 'packages', dir);
    const manifest = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as { name: string };
    return { name: manifest.name, src: join(base, 'src') };
  });

describe('dependency rules', () => {
  for (const pkg of packages) {
    const files = sourceFiles(pkg.src);
    const graph = new Map(
      files.map((file) => {
        const imports = runtimeImports(readFileSync(file, 'utf8'));
        return [file, imports] as const;
      }),
    );

    it(`${pkg.name}: no runtime import cycle between its modules`, () => {
      const edges = new Map<string, string[]>();
      for (const [file, imports] of graph) {
        edges.set(
          file,
          imports
            .filter((specifier) => specifier.startsWith('.'))
            .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))),
        );
      }
      const state = new Map<string, 'visiting' | 'done'>();
      const cycles: string[] = [];
      const visit = (file: string, path: string[]) => {
        if (state.get(file) === 'done') return;
        if (state.get(file) === 'visiting') {
          cycles.push(
            [...path.slice(path.indexOf(file)), file].map((f) => relative(pkg.src, f)).join(' -> '),
          );
          return;
        }
        state.set(file, 'visiting');
        for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
        state.set(file, 'done');
      };
      for (const file of edges.keys()) visit(file, []);
      expect(cycles).toEqual([]);
    });

    it(`${pkg.name}: imports other packages only through their public entry points`, () => {
      const offending: string[] = [];
      for (const [file, imports] of graph) {
        for (const specifier of imports) {
          const ours =
            specifier.startsWith('@palisade/') ||
            specifier === 'palisade' ||
            specifier.startsWith('palisade/');
          if (specifier.startsWith('.') && !resolve(dirname(file), specifier).startsWith(pkg.src)) {
            offending.push(`${relative(root, file)}: ${specifier} leaves the package`);
          }
          if (ours && /\/(src|dist)(\/|$)/.test(specifier))
            offending.push(`${relative(root, file)}: ${specifier}`);
          if (pkg.name === '@palisade/core' && ours)
            offending.push(`${relative(root, file)}: core imports ${specifier}`);
          if (ours && ADAPTERS.has(specifier.split('/').slice(0, 2).join('/')) && specifier !== pkg.name) {
            offending.push(`${relative(root, file)}: imports the adapter ${specifier}`);
          }
        }
      }
      expect(offending).toEqual([]);
    });
  }

  it('the package graph has no cycle', () => {
    const names = new Set(packages.map((pkg) => pkg.name));
    const depends = new Map(
      packages.map((pkg) => {
        const targets = new Set<string>();
        for (const file of sourceFiles(pkg.src)) {
          for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
            const name = specifier.startsWith('@')
              ? specifier.split('/').slice(0, 2).join('/')
              : specifier.split('/')[0]!;
            if (names.has(name) && name !== pkg.name) targets.add(name);
          }
        }
        return [pkg.name, [...targets]] as const;
      }),
    );
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      (depends.get(from) ?? []).some((next) => {
        if (next === to) return true;
        if (seen.has(next)) return false;
        seen.add(next);
        return reaches(next, to, seen);
      });
    expect([...names].filter((name) => reaches(name, name))).toEqual([]);
  });
});
