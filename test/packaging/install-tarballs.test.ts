/**
 * What a user gets from the registry: every published package is packed the way `pnpm publish`
 * packs it, checked with publint and `@arethetypeswrong/cli` on the tarball itself, and the feature
 * packages are installed from their tarballs into a fresh app that compiles under strict TypeScript
 * and runs a guarded call on Node 22 and on Node 24.
 *
 * Needs a build (the `test` script builds first) and the npm registry (for the app's own
 * dependencies and the Node 22 binary); skipped with a message without a build, mandatory in CI.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages'))
  .map((folder) => join(root, 'packages', folder))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => !manifest.private);

const built = packages.every(({ dir }) => existsSync(join(dir, 'dist', 'index.js')));
if (!built) {
  if (process.env.CI === 'true') throw new Error('packages are not built; the test script builds them first');
  console.warn('SKIPPED: packages are not built (run `npx -y pnpm@10 build`); tarball tests are skipped');
}

/**
 * The packages a typical app installs: the umbrella and every package of ours it depends on,
 * transitively, so that nothing is looked up in the registry.
 */
const APP_PACKAGES = ((): string[] => {
  const byName = new Map(packages.map(({ manifest }) => [manifest.name, manifest]));
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    for (const dependency of Object.keys(byName.get(name)?.dependencies ?? {})) {
      if (byName.has(dependency)) visit(dependency);
    }
  };
  visit('palisade');
  return [...found];
})();

/** pnpm, as the repository runs it: from the environment under `pnpm test`, else through npx. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath?.includes('pnpm')) {
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
  }
  return execFileSync('npx', ['-y', 'pnpm@10', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, CI: 'true' },
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`,
    );
  }
}

const APP_SOURCE = `import { AccessDeniedError, createMemoryRecorder } from '@palisade/core';
import { createPalisade } from 'palisade';

const palisade = await createPalisade({
  trustDomain: 'app.example',
  policy: {
    name: 'app',
    tools: { get_ticket: { effect: 'read' }, delete_ticket: { effect: 'delete' } },
    rules: [
      {
        id: 'read-tickets',
        effect: 'allow',
        tools: ['get_ticket'],
        agents: ['spiffe://app.example/agent/bot'],
        roles: ['support'],
      },
    ],
  },
  agents: [{ name: 'bot', owner: 'team', purpose: 'packaging check', tools: ['get_ticket', 'delete_ticket'] }],
  audit: createMemoryRecorder(),
});

const inputSchema = {
  '~standard': {
    version: 1 as const,
    vendor: 'app',
    validate: (value: unknown) => ({ value: value as { id: string } }),
  },
};
const getTicket = palisade.guard({
  name: 'get_ticket', description: 'Read a ticket', effect: 'read', inputSchema,
  execute: async ({ id }: { id: string }) => \`ticket \${id}\`,
});
const deleteTicket = palisade.guard({
  name: 'delete_ticket', description: 'Delete a ticket', effect: 'delete', inputSchema,
  execute: async () => 'deleted',
});

const credential = await palisade.identity!.issue({ agent: 'bot', user: { id: 'alice', roles: ['support'] } });
const read = await getTicket.call({ id: 'T-1' }, { credential });
let refused = false;
try {
  await deleteTicket.call({ id: 'T-1' }, { credential });
} catch (error) {
  refused = AccessDeniedError.isInstance(error);
}
palisade.close();
console.log(JSON.stringify({ read, refused }));
`;

describe.skipIf(!built)('published tarballs', () => {
  let work: string;
  const tarballs = new Map<string, string>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'palisade-tarballs-'));
    const packs = join(work, 'packs');
    mkdirSync(packs);
    for (const { dir, manifest } of packages) {
      const before = new Set(readdirSync(packs));
      pnpm(['pack', '--pack-destination', packs], dir);
      const created = readdirSync(packs).find((file) => !before.has(file));
      if (!created) throw new Error(`pnpm pack produced no tarball for ${manifest.name}`);
      tarballs.set(manifest.name, join(packs, created));
    }
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const { manifest } of packages) {
    it(`${manifest.name}: the tarball passes publint and ships a licence, no source condition`, async () => {
      const tarball = readFileSync(tarballs.get(manifest.name)!);
      const { messages, pkg } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        level: 'warning',
        strict: true,
      });
      expect(messages.map((message) => `${message.code} ${JSON.stringify(message.args)}`)).toEqual([]);
      expect(JSON.stringify(pkg.exports)).not.toContain('@palisade/source');
      const listing = run('tar', ['-tzf', tarballs.get(manifest.name)!], work);
      expect(listing.split('\n')).toContain('package/LICENSE');
      expect(listing.split('\n')).toContain('package/README.md');
      expect(listing).not.toMatch(/package\/src\//);
    });

    it(`${manifest.name}: the types are right for ESM consumers (attw)`, () => {
      const attw = join(root, 'node_modules', '.bin', 'attw');
      run(attw, [tarballs.get(manifest.name)!, '--profile', 'esm-only', '--format', 'ascii'], work);
    }, 60_000);
  }

  it('installs into a fresh strict-TypeScript app that runs a guarded call on Node 22 and 24', () => {
    const app = join(work, 'app');
    mkdirSync(app);
    const dependencies: Record<string, string> = {
      typescript: '~6.0.3',
      '@types/node': '^24.0.0',
      'node-22': 'npm:node@22',
    };
    for (const name of APP_PACKAGES) dependencies[name] = `file:${tarballs.get(name)}`;
    // The feature packages depend on each other by version; point those at the tarballs too.
    const overrides = Object.fromEntries(APP_PACKAGES.map((name) => [name, `file:${tarballs.get(name)}`]));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies, overrides }, null, 2),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          verbatimModuleSyntax: true,
          skipLibCheck: false,
          lib: ['ES2023'],
          types: ['node'],
          outDir: 'out',
        },
        include: ['app.ts'],
      }),
    );
    writeFileSync(join(app, 'app.ts'), APP_SOURCE);
    run('npm', ['install', '--no-audit', '--no-fund', '--engine-strict=false', '--loglevel=error'], app);
    run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);

    const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
    const node22 = join(app, 'node_modules', 'node-22', 'bin', 'node');
    for (const node of [node22, node24]) {
      const version = run(node, ['--version'], app).trim();
      const output = run(node, ['out/app.js'], app).trim().split('\n').at(-1);
      expect(JSON.parse(output ?? 'null'), `on ${version}`).toEqual({ read: 'ticket T-1', refused: true });
    }
    expect(run(node22, ['--version'], app)).toMatch(/^v22\./);
    expect(run(node24, ['--version'], app)).toMatch(/^v24\./);
  }, 600_000);
});
