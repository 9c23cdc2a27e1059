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
  return serialize(value, '$', new Set());
}

function serialize(value: unknown, where: string, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON at ${where}`);
  }
  const object = value as object;
  const withJson = object as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    return serialize((withJson.toJSON as () => unknown).call(object), where, seen);
  }
  if (seen.has(object)) throw new TypeError(`canonicalJson: cycle at ${where}`);
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item, index) => {
        if (item === undefined) throw new TypeError(`canonicalJson: undefined at ${where}[${index}]`);
        return serialize(item, `${where}[${index}]`, seen);
      });
      return `[${items.join(',')}]`;
    }
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    const members = keys.map(
      (key) => `${JSON.stringify(key)}:${serialize(record[key], `${where}.${key}`, seen)}`,
    );
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(object);
  }
}
