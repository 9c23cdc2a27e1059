import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type SuiteFacts, suiteFactsSchema } from './suite-facts.js';

/** A suite as read from disk: its facts, its environment template and its injection vectors. */
export interface SuiteData {
  readonly facts: SuiteFacts;
  /** `environment.yaml`, parsed, with its `{vector_id}` placeholders still in the strings. */
  readonly template: unknown;
  /** Default (benign) value of each injection vector. */
  readonly vectors: Readonly<Record<string, string>>;
}

/** True when `dataDir/<suite>` holds the three files a suite needs. */
export function hasSuite(dataDir: string, suite: string): boolean {
  return ['suite.json', 'environment.yaml', 'injection_vectors.yaml'].every((file) =>
    existsSync(join(dataDir, suite, file)),
  );
}

/**
 * Reads one suite from `dataDir/<suite>/` (`suite.json`, `environment.yaml`,
 * `injection_vectors.yaml`). Throws when a file is missing or malformed.
 *
 * @example
 * ```ts
 * const banking = await loadSuite('../shared/data/agentdojo', 'banking');
 * banking.facts.user_tasks.length; // 16
 * ```
 */
export async function loadSuite(dataDir: string, suite: string): Promise<SuiteData> {
  const folder = join(dataDir, suite);
  const facts = suiteFactsSchema.parse(JSON.parse(await readFile(join(folder, 'suite.json'), 'utf8')));
  const template: unknown = parse(await readFile(join(folder, 'environment.yaml'), 'utf8'));
  const rawVectors = parse(await readFile(join(folder, 'injection_vectors.yaml'), 'utf8')) as Record<
    string,
    { default?: unknown }
  >;
  const vectors: Record<string, string> = {};
  for (const [id, vector] of Object.entries(rawVectors ?? {})) {
    vectors[id] = vector?.default === null || vector?.default === undefined ? '' : String(vector.default);
  }
  return { facts, template, vectors };
}
