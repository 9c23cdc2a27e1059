import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recommendedProfile } from '@palisade/policy';
import { describe, expect, it } from 'vitest';
import { composePolicy } from './compose-policy.js';
import { bankingEnvironment } from './environments/banking.js';
import { loadProfile, PROFILE_NAMES } from './profiles.js';
import type { SimulatedEnvironment } from './simulated-environment.js';

describe('loadProfile', () => {
  it('reads every shipped profile as a valid policy over each catalog', async () => {
    for (const name of PROFILE_NAMES) {
      const profile = await loadProfile(name);
      expect(profile.name).toBe(name);
      const policy = composePolicy(profile.document, bankingEnvironment as SimulatedEnvironment<unknown>);
      expect(Object.keys(policy.tools)).toHaveLength(bankingEnvironment.tools.length);
    }
  });

  it('makes `recommended` the policy package’s containment profile on top of the allow rule, word for word', async () => {
    const { document } = await loadProfile('recommended');
    const containment = recommendedProfile();
    const rules = document.rules as { id: string }[];
    expect(rules.map((rule) => rule.id)).toEqual([
      'assistant-uses-its-tools',
      ...containment.rules.map((rule) => rule.id),
    ]);
    expect(rules.slice(1)).toEqual(containment.rules);
    expect(document.egress).toEqual(containment.egress);
  });

  it('reads a policy file by path, and refuses a file that is not a policy document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redteam-profile-'));
    try {
      writeFileSync(join(dir, 'mine.yaml'), 'name: mine\nrules: []\n');
      writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
      await expect(loadProfile(join(dir, 'mine.yaml'))).resolves.toMatchObject({ name: 'mine' });
      await expect(loadProfile(join(dir, 'list.yaml'))).rejects.toThrow(TypeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
