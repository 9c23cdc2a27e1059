import { readFileSync } from 'node:fs';

/**
 * The version of the installed `palisade` package, as `palisade --version` prints it. Read from the
 * package's own manifest, two folders up from both `src/cli/` and `dist/cli/`.
 */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
