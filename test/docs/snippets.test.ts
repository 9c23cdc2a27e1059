/**
 * Docs are code: every TypeScript block of the README, the guides in `docs/` and the package READMEs
 * compiles under the project's strict settings, against the packages' sources. A snippet that
 * names an option, export or error that does not exist fails here, with its file and line.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownFiles, type Snippet, snippetsOf } from './snippets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function compile(snippets: readonly Snippet[]): string[] {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.base.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  // A snippet shows how to define things; it need not use each of them.
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    noUnusedLocals: false,
    noUnusedParameters: false,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    noEmit: true,
  };
  const virtual = new Map<string, Snippet>();
  for (const snippet of snippets) {
    // Beside the real sources, so packages resolve exactly as they do for the tests.
    virtual.set(
      join(root, 'test', 'docs', `${snippet.file.replace(/[^\w]/g, '_')}_L${snippet.line}.ts`),
      snippet,
    );
  }
  const host = ts.createCompilerHost(compilerOptions, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (path) => virtual.get(path)?.code ?? readFile(path);
  host.fileExists = (path) => virtual.has(path) || fileExists(path);
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const snippet = virtual.get(path);
    if (snippet) return ts.createSourceFile(path, snippet.code, language, true, ts.ScriptKind.TS);
    return getSourceFile(path, language, onError, shouldCreate);
  };
  const program = ts.createProgram([...virtual.keys()], compilerOptions, host);
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const snippet = diagnostic.file ? virtual.get(diagnostic.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (snippet && diagnostic.file && diagnostic.start !== undefined) {
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      problems.push(`${snippet.file}:${snippet.line + line}: TS${diagnostic.code} ${message}`);
    } else {
      problems.push(`${diagnostic.file?.fileName ?? '(global)'}: TS${diagnostic.code} ${message}`);
    }
  }
  return problems;
}

describe('documentation snippets', () => {
  // PALISADE_SNIPPETS=docs/identity.md narrows a run to one file while editing it.
  const only = process.env.PALISADE_SNIPPETS;
  const snippets = markdownFiles(root)
    .flatMap((file) => snippetsOf(root, file))
    .filter((snippet) => only === undefined || snippet.file === only);

  it.skipIf(only !== undefined)(
    'finds the snippets of the README, the guides and the package READMEs',
    () => {
      const files = new Set(snippets.map((snippet) => snippet.file));
      expect(files).toContain('README.md');
      expect(files).toContain('docs/core.md');
      expect(snippets.length).toBeGreaterThan(50);
    },
  );

  it('compiles every TypeScript snippet strictly', () => {
    expect(compile(snippets)).toEqual([]);
  }, 120_000);
});
