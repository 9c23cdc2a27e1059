/**
 * Serialises a JSON value the RFC 8785 (JCS) way: object members sorted by UTF-16 code units,
 * no insignificant white space, numbers in their shortest ECMAScript form.
 *
 * Values JSON cannot represent (non-finite numbers, `bigint`, functions, symbols, `undefined` in
 * arrays, cycles) throw a `TypeError` naming where they were found, so two different inputs can never
 * share a canonical form by accident.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, { path: [], seen: new Set() });
}

interface Walk {
  /**
   * Where the walk is: member names and array indexes from the root. Kept as segments and turned
   * into text only for an error message, since building a path string for every value was most of
   * the cost of serialising.
   */
  readonly path: Array<string | number>;
  /** The objects being serialised on the way down, to tell a cycle from a shared object. */
  readonly seen: Set<object>;
}

function where(walk: Walk): string {
  let text = '$';
  for (const segment of walk.path) text += typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
  return text;
}

/**
 * A string as JSON text, exactly as JSON.stringify writes it. Most strings need no escaping and are
 * only quoted; any character JSON.stringify may escape (quote, backslash, control characters, and
 * surrogates: a lone one is written as \uXXXX) hands the string to JSON.stringify itself.
 */
function quote(text: string): string {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) {
      return JSON.stringify(text);
    }
  }
  return `"${text}"`;
}

function serialize(value: unknown, walk: Walk): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where(walk)}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON at ${where(walk)}`);
  }
  const object = value as object;
  const withJson = object as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    return serialize((withJson.toJSON as () => unknown).call(object), walk);
  }
  if (walk.seen.has(object)) throw new TypeError(`canonicalJson: cycle at ${where(walk)}`);
  walk.seen.add(object);
  const depth = walk.path.length;
  try {
    if (Array.isArray(object)) {
      let text = '[';
      for (let index = 0; index < object.length; index += 1) {
        const item: unknown = object[index];
        walk.path.push(index);
        if (item === undefined) throw new TypeError(`canonicalJson: undefined at ${where(walk)}`);
        text += index === 0 ? serialize(item, walk) : `,${serialize(item, walk)}`;
        walk.path.pop();
      }
      return `${text}]`;
    }
    const record = object as Record<string, unknown>;
    // The default sort compares UTF-16 code units, which is the order RFC 8785 asks for.
    const keys = Object.keys(record).sort();
    let text = '{';
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      walk.path.push(key);
      text += `${text.length === 1 ? '' : ','}${quote(key)}:${serialize(member, walk)}`;
      walk.path.pop();
    }
    return `${text}}`;
  } finally {
    // A throw leaves segments behind; trim back to this level so `where` stays right for callers.
    if (walk.path.length !== depth) walk.path.length = depth;
    walk.seen.delete(object);
  }
}
