/**
 * Packages whose main entry (`src/index.ts`) reaches no Node-only API: their tests run a second time
 * under the `edge-runtime` environment, and `test/packaging/edge-entries.test.ts` walks their
 * import graphs. A package joins when its main entry is free of `node:` imports.
 */
export const EDGE_PACKAGES = ['core', 'retrieval-guard'] as const;
