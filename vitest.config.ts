import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@palisade/source'] },
  ssr: { resolve: { conditions: ['@palisade/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
