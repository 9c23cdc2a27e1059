import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test-support' ? [] : sources(path);
    return name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(name) ? [path] : [];
  });
}

describe('runs everywhere', () => {
  it('imports nothing from node: and uses no Node-only globals', () => {
    const offending: string[] = [];
    for (const file of sources(here)) {
      const code = readFileSync(file, 'utf8');
      if (/from\s+['"]node:|import\(\s*['"]node:|require\(/.test(code))
        offending.push(`${file}: node import`);
      if (
        /\b(?:Buffer|process|__dirname|setImmediate)\b/.test(
          code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'/g, "''"),
        )
      )
        offending.push(`${file}: Node global`);
    }
    expect(offending).toEqual([]);
  });
});
