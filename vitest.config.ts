import { defineConfig } from 'vitest/config';
import { EDGE_PACKAGES } from './test/support/edge-packages.js';

export default defineConfig({
  resolve: { conditions: ['@palisade/source'] },
  ssr: { resolve: { conditions: ['@palisade/source'] } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // `node:sqlite` announces itself as experimental in every worker that opens the SQLite store;
    // the notice says nothing about the code under test. Other warnings still print.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        // The packages whose main entry is free of Node APIs, once more in the Edge Runtime's
        // globals (Vercel Edge; close to Cloudflare Workers).
        extends: true,
        test: {
          name: 'edge-runtime',
          environment: 'edge-runtime',
          include: EDGE_PACKAGES.map((name) => `packages/${name}/src/**/*.test.ts`),
          exclude: [
            '**/node_modules/**',
            '**/dist/**',
            // These tests need Node themselves, not the code under test:
            // reads the sources from disk (node:fs) to check they are runtime-neutral.
            'packages/core/src/runtime-neutral.test.ts',
            'packages/retrieval-guard/src/runs-everywhere.test.ts',
            // checks the digest against node:crypto's HMAC as an independent oracle.
            'packages/core/src/keyed-digest.test.ts',
            // checks the AsyncLocalStorage path with node:async_hooks.
            'packages/core/src/call-context.test.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
