/**
 * Checks what users install: every published package's `dist/` holds ESM JavaScript and `.d.ts` for
 * each export, passes publint, and imports under plain Node resolution (no source condition).
 * Needs a build first (`pnpm build`, which the `test` script runs); skipped with a message without one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  engines?: { node?: string };
  sideEffects?: boolean | string[];
  bin?: Record<string, string>;
  files?: string[];
  scripts?: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  publishConfig?: { exports?: Record<string, string | Record<string, string>> };
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir) }))
  .filter(({ dir }) => existsSync(join(dir, 'package.json')))
  .map(({ dir }) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => !manifest.private);

const built = packages.every(({ dir }) => existsSync(join(dir, 'dist', 'index.js')));
if (!built) {
  if (process.env.CI === 'true')
    throw new Error('packages are not built; the test script builds them before testing');
  console.warn(
    'SKIPPED: packages are not built (run `npx -y pnpm@10 build`); published-shape tests are skipped',
  );
}

describe.skipIf(!built)('published packages', () => {
  for (const { dir, manifest } of packages) {
    describe(manifest.name, () => {
      it('is ESM only, for Node >= 22, side-effect free but for its executables', () => {
        expect(manifest.type).toBe('module');
        expect(manifest.engines?.node).toBe('>=22');
        if (manifest.bin === undefined) {
          expect(manifest.sideEffects).toBe(false);
        } else {
          // An executable runs when imported; bundlers must keep it, and nothing else.
          expect(manifest.sideEffects).toEqual(expect.arrayContaining(Object.values(manifest.bin)));
          for (const file of Object.values(manifest.bin))
            expect(existsSync(join(dir, file)), file).toBe(true);
        }
      });

      it('runs its own tests with its own test script', () => {
        const folder = `packages/${dir.split(/[\\/]/).pop()}/`;
        expect(manifest.scripts?.test).toBe(`vitest run --root ../.. ${folder}`);
      });

      it('publishes exports without the source condition, and a licence', () => {
        // The source condition points at `src/`, which the tarball does not ship.
        expect(JSON.stringify(manifest.publishConfig?.exports ?? null)).not.toContain('@palisade/source');
        const published = Object.keys(manifest.publishConfig?.exports ?? {});
        expect(published).toEqual(Object.keys(manifest.exports));
        expect(existsSync(join(dir, 'LICENSE'))).toBe(true);
      });

      it('ships JavaScript and declarations for every export, source condition first', () => {
        for (const [subpath, target] of Object.entries(manifest.exports)) {
          if (subpath === './package.json') continue;
          expect(typeof target).toBe('object');
          const conditions = target as Record<string, string>;
          expect(Object.keys(conditions)[0]).toBe('@palisade/source');
          expect(existsSync(join(dir, conditions['@palisade/source'] ?? ''))).toBe(true);
          for (const condition of ['types', 'default']) {
            const file = conditions[condition];
            expect(file, `${subpath} has a "${condition}" target`).toBeDefined();
            expect(existsSync(join(dir, file ?? '')), `${subpath} -> ${file} exists`).toBe(true);
          }
        }
      });

      it('passes publint', async () => {
        const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true });
        expect(messages.map((message) => `${message.code} ${JSON.stringify(message.args)}`)).toEqual([]);
      });

      it('imports from dist under plain Node resolution', () => {
        const subpaths = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json');
        const script = subpaths
          .map((subpath) => `await import(${JSON.stringify(join(manifest.name, subpath))});`)
          .join('\n');
        // Run from the package itself so its own dependencies resolve as they would for a user.
        const output = execFileSync(
          process.execPath,
          ['--no-warnings', '--input-type=module', '-e', `${script}\nconsole.log('ok')`],
          {
            cwd: dir,
            encoding: 'utf8',
          },
        );
        expect(output.trim()).toBe('ok');
      }, 60_000);
    });
  }
});
