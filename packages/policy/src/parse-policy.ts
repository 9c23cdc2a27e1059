import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { frozenCopy } from './internal/freeze.js';
import { type RawIssue, validateDocument } from './internal/validate-document.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';

/** Options for `parsePolicy`. */
export interface ParsePolicyOptions {
  /** Where the text came from (a file name), named in every issue. Its extension selects the format. */
  readonly source?: string | undefined;
  /** Defaults to the source's extension (`.json`), else JSON when the text starts with `{`, else YAML. */
  readonly format?: 'yaml' | 'json' | undefined;
}

const MAX_POLICY_BYTES = 16 * 1024 * 1024;

/**
 * Parses and validates a policy document written in YAML or JSON. Throws a `PolicyError` listing
 * every issue with its file, path (`rules[3].when.input.amount`), line and what was expected.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(await readFile('policy.yaml', 'utf8'), { source: 'policy.yaml' });
 * const engine = createPolicyEngine({ policy });
 * ```
 */
export function parsePolicy(text: string, options: ParsePolicyOptions = {}): PolicyDocument {
  if (typeof text !== 'string') throw new TypeError('parsePolicy(): text must be a string');
  if (options.format !== undefined && options.format !== 'yaml' && options.format !== 'json') {
    throw new TypeError('parsePolicy(): options.format must be "yaml" or "json"');
  }
  const file = options.source;
  if (text.length > MAX_POLICY_BYTES) {
    throw new PolicyError([
      { file, path: '(root)', message: `the document is larger than ${MAX_POLICY_BYTES} bytes` },
    ]);
  }
  const format =
    options.format ?? (file?.toLowerCase().endsWith('.json') || /^\s*\{/.test(text) ? 'json' : 'yaml');
  const lineCounter = new LineCounter();
  // JSON is parsed by the YAML parser as well, so that issues in JSON documents get lines too.
  const yamlDocument = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    version: '1.2',
  });
  if (yamlDocument.errors.length > 0) {
    throw new PolicyError(
      yamlDocument.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          file,
          path: '(root)',
          line: position.line,
          column: position.col,
          message: error.message.split('\n')[0] ?? error.message,
        };
      }),
    );
  }
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : yamlDocument.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PolicyError(
      [{ file, path: '(root)', message: `not valid ${format.toUpperCase()}: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
  const result = validateDocument(value);
  if (!result.ok) {
    throw new PolicyError(
      result.issues.map((issue) => locate(issue, yamlDocument.contents, lineCounter, file)),
    );
  }
  return frozenCopy(result.document);
}

function locate(
  issue: RawIssue,
  root: Node | null,
  lineCounter: LineCounter,
  file: string | undefined,
): PolicyIssue {
  let node: unknown = root;
  let offset: number | undefined = (root as Node | null)?.range?.[0];
  for (const segment of issue.path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const position = offset === undefined ? undefined : lineCounter.linePos(offset);
  return {
    file,
    path: formatPath(issue.path),
    line: position?.line,
    column: position?.col,
    message: issue.message,
  };
}

/** Formats a document path as `rules[3].when.input.amount`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/**
 * Finds where document paths (`['rules', 3]`) are written in policy text (YAML or JSON): the line
 * and column of each, or `undefined` for a path the text does not hold.
 */
export function locatePolicyPaths(
  text: string,
  paths: readonly (readonly (string | number)[])[],
): ({ readonly line: number; readonly column: number } | undefined)[] {
  const lineCounter = new LineCounter();
  const yamlDocument = parseDocument(text, { lineCounter, prettyErrors: false, version: '1.2' });
  return paths.map((path) => {
    const found = locate({ path, message: '' }, yamlDocument.contents, lineCounter, undefined);
    return found.line === undefined || found.column === undefined
      ? undefined
      : { line: found.line, column: found.column };
  });
}
