/** Checks a SQL table name (or key prefix) supplied as an option; only plain identifiers pass. */
export function checkTableName(name: unknown, option: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new TypeError(
      `${option} must be a plain identifier (letters, digits, _), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
