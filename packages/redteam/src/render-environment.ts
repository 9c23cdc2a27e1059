/**
 * Fills the `{vector_id}` placeholders of a parsed environment document with vector values and
 * returns a new document (the template is not changed). Backslash escapes in a value (`\t`, `\n`,
 * `\\`) are interpreted, as they are when the value lands in a double-quoted YAML scalar, which is
 * how the suites' own renderer treats them.
 *
 * @example
 * ```ts
 * renderEnvironment({ name: 'External_{channel}' }, { channel: '0' }); // { name: 'External_0' }
 * ```
 */
export function renderEnvironment(template: unknown, values: Readonly<Record<string, string>>): unknown {
  const fill = (text: string) =>
    text.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, id: string) =>
      Object.hasOwn(values, id) ? decodeEscapes(values[id] ?? '') : whole,
    );
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return fill(node);
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [fill(key), walk(value)]));
    }
    return node;
  };
  return walk(template);
}

function decodeEscapes(value: string): string {
  return value.replace(/\\([tn\\])/g, (_, code: string) =>
    code === 't' ? '\t' : code === 'n' ? '\n' : '\\',
  );
}
