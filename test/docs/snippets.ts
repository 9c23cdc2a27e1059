/**
 * Reads the TypeScript code blocks of the project's Markdown (the README, `docs/`, the package
 * READMEs) so the suite can compile them.
 *
 * A guide's snippets often use things the guide defined in prose or an earlier block (`tickets`, a
 * `verifier`). A guide declares those once, in an HTML comment that readers never see:
 *
 * ```md
 * <!-- snippet-context
 * declare const tickets: { get(id: string): Promise<string> };
 * -->
 * ```
 *
 * A context line is a `declare` of one name, or an import of one name (`import { guard } from
 * '@palisade/core';`) for blocks that use what an earlier block imported. Each line is put in front
 * of every block of that file that does not define or import the name itself, and each block is
 * compiled as its own module, strictly.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One TypeScript block of a Markdown file. */
export interface Snippet {
  /** Repository-relative path of the Markdown file. */
  readonly file: string;
  /** 1-based line of the block's first code line. */
  readonly line: number;
  readonly code: string;
}

/** The Markdown files whose snippets must compile. */
export function markdownFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const readme = join(root, 'packages', name, 'README.md');
    try {
      statSync(readme);
      files.push(readme);
    } catch {
      // A package without a README has no snippets; the packaging test asks for the README.
    }
  }
  return files;
}

const FENCE = /^(\s*)```(\w+)?\s*$/;
/** A context line that provides one name: `declare const x: T;` or `import { x } from '...';`. */
const DECLARATION =
  /^(?:declare\s+(?:const|let|var|function|class|type|interface)\s+([A-Za-z_$][\w$]*)|import\s+(?:type\s+)?\{\s*(?:type\s+)?([A-Za-z_$][\w$]*)\s*\}\s+from\s)/;

/** The TypeScript blocks of one Markdown file, each with the context its file declares. */
export function snippetsOf(root: string, path: string): Snippet[] {
  const text = readFileSync(path, 'utf8');
  const context = contextOf(text);
  const lines = text.split('\n');
  const snippets: Snippet[] = [];
  let open: { language: string; start: number; indent: number; body: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    const fence = FENCE.exec(line);
    if (open === undefined) {
      if (fence) open = { language: fence[2] ?? '', start: index + 2, indent: fence[1]!.length, body: [] };
      continue;
    }
    if (fence && fence[2] === undefined) {
      if (open.language === 'ts' || open.language === 'typescript') {
        const body = open.body.map((codeLine) => codeLine.slice(open!.indent)).join('\n');
        snippets.push({ file: relative(root, path), line: open.start, code: withContext(body, context) });
      }
      open = undefined;
      continue;
    }
    open.body.push(line);
  }
  return snippets;
}

/** The `declare` lines of a file's `<!-- snippet-context ... -->` comments. */
function contextOf(markdown: string): string[] {
  const declarations: string[] = [];
  for (const match of markdown.matchAll(/<!--\s*snippet-context\s*\n([\s\S]*?)-->/g)) {
    for (const line of match[1]!.split('\n')) {
      if (line.trim() !== '') declarations.push(line.trim());
    }
  }
  return declarations;
}

/** Prepends the declarations of names the block does not define itself; always a module. */
function withContext(code: string, declarations: readonly string[]): string {
  const needed = declarations.filter((declaration) => {
    const match = DECLARATION.exec(declaration);
    const name = match?.[1] ?? match?.[2];
    if (name === undefined) return true;
    const defines = new RegExp(
      `(?:\\b(?:const|let|var|function|class|interface|type)\\s+${escapeName(name)}\\b)|(?:\\bimport\\b[^;]*?\\b${escapeName(name)}\\b[^;]*?\\bfrom\\b)|(?:\\b(?:const|let|var)\\s*[{[][^=;]*\\b${escapeName(name)}\\b[^=;]*[}\\]]\\s*=)`,
    );
    return !defines.test(code);
  });
  // The context goes on the first line so that compiler positions map back to the block's lines.
  return `${needed.join(' ')} export {}; ${code}`;
}

function escapeName(name: string): string {
  return name.replace(/[$]/g, '\\$');
}
