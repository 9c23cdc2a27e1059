import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** The profiles that ship with the kit (`profiles/<name>.yaml`). */
export const PROFILE_NAMES = ['allowlist', 'scoped', 'provenance', 'approval'] as const;
/** The name of a shipped profile. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** A profile: a name and a plain policy document (without a catalog, which the environment adds). */
export interface Profile {
  readonly name: string;
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * Reads a shipped profile by name, or any policy document (YAML or JSON) by path.
 *
 * @example
 * ```ts
 * const mine = await loadProfile('./policy.yaml');
 * const baseline = await loadProfile('allowlist');
 * ```
 */
export async function loadProfile(nameOrPath: string): Promise<Profile> {
  const shipped = (PROFILE_NAMES as readonly string[]).includes(nameOrPath);
  const url = shipped ? new URL(`../profiles/${nameOrPath}.yaml`, import.meta.url) : undefined;
  const text = await readFile(url ?? nameOrPath, 'utf8');
  const document = parse(text) as unknown;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new TypeError(`loadProfile(): ${nameOrPath} is not a policy document`);
  }
  const name = shipped ? nameOrPath : String((document as { name?: unknown }).name ?? nameOrPath);
  return { name, document: document as Record<string, unknown> };
}
