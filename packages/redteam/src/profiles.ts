import { readFile } from 'node:fs/promises';
import { recommendedProfile } from '@palisade/policy';
import { parse } from 'yaml';

/** The profiles that ship with the kit. */
export const PROFILE_NAMES = ['allowlist', 'scoped', 'provenance', 'approval', 'recommended'] as const;
/** The name of a shipped profile. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** A profile: a name and a plain policy document (without a catalog, which the environment adds). */
export interface Profile {
  readonly name: string;
  readonly document: Readonly<Record<string, unknown>>;
}

async function readDocument(path: string | URL, what: string): Promise<Record<string, unknown>> {
  const document = parse(await readFile(path, 'utf8')) as unknown;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new TypeError(`loadProfile(): ${what} is not a policy document`);
  }
  return document as Record<string, unknown>;
}

/**
 * Reads a shipped profile by name, or any policy document (YAML or JSON) by path.
 *
 * `recommended` is the policy package's recommended containment profile (`recommendedProfile()`),
 * which grants nothing, added to the allow rule of `allowlist` (every catalog tool, no human):
 * containment and approvals come from the profile alone.
 *
 * @example
 * ```ts
 * const mine = await loadProfile('./policy.yaml');
 * const baseline = await loadProfile('allowlist');
 * ```
 */
export async function loadProfile(nameOrPath: string): Promise<Profile> {
  if (nameOrPath === 'recommended') {
    const base = await readDocument(new URL('../profiles/allowlist.yaml', import.meta.url), 'allowlist');
    const containment = recommendedProfile();
    return {
      name: 'recommended',
      document: {
        name: 'recommended',
        description: 'Every catalog tool, contained by the recommended containment profile.',
        rules: [...((base.rules as unknown[]) ?? []), ...containment.rules],
        egress: [...containment.egress],
      },
    };
  }
  if ((PROFILE_NAMES as readonly string[]).includes(nameOrPath)) {
    const url = new URL(`../profiles/${nameOrPath}.yaml`, import.meta.url);
    return { name: nameOrPath, document: await readDocument(url, nameOrPath) };
  }
  const document = await readDocument(nameOrPath, nameOrPath);
  return { name: String(document.name ?? nameOrPath), document };
}
