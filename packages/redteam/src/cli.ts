#!/usr/bin/env node
/**
 * `pnpm redteam [--data <dir>] [--suite <name>]... [--profile <name|file>]... [--reviewer <name>]... [--json]`
 *
 * Runs the kit over the suites found in the data folder and prints, per suite, profile and
 * reviewer, the summary line and the failing cases. Exits 0 when it ran (the numbers are the
 * result), 2 on bad usage.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lintPolicy } from '@palisade/policy';
import { composePolicy } from './compose-policy.js';
import { bankingEnvironment } from './environments/banking.js';
import { slackEnvironment } from './environments/slack.js';
import { formatReport } from './format-report.js';
import { hasSuite, loadSuite } from './load-suite.js';
import { loadProfile, PROFILE_NAMES } from './profiles.js';
import { REVIEWER_NAMES, type ReviewerName } from './reviewer.js';
import { createSessionParts, runSuite, type SuiteRunResult } from './run-suite.js';
import type { SimulatedEnvironment } from './simulated-environment.js';

const ENVIRONMENTS: Record<string, SimulatedEnvironment<unknown>> = {
  banking: bankingEnvironment as SimulatedEnvironment<unknown>,
  slack: slackEnvironment as SimulatedEnvironment<unknown>,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      suite: { type: 'string', multiple: true },
      profile: { type: 'string', multiple: true },
      reviewer: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  const data = resolve(values.data ?? resolve(process.cwd(), '../shared/data/agentdojo'));
  const suites = values.suite ?? Object.keys(ENVIRONMENTS);
  const reviewers = (values.reviewer ?? [...REVIEWER_NAMES]) as ReviewerName[];
  for (const reviewer of reviewers) {
    if (!REVIEWER_NAMES.includes(reviewer)) {
      process.stderr.write(`--reviewer must be one of ${REVIEWER_NAMES.join(', ')}\n`);
      return 2;
    }
  }
  const profiles = [];
  for (const name of values.profile ?? PROFILE_NAMES) profiles.push(await loadProfile(name));
  const results: SuiteRunResult[] = [];
  for (const name of suites) {
    const environment = ENVIRONMENTS[name];
    if (!environment) {
      process.stderr.write(`--suite must be one of ${Object.keys(ENVIRONMENTS).join(', ')}\n`);
      return 2;
    }
    if (!hasSuite(data, name)) {
      process.stdout.write(`SKIPPED: suite ${name} is not in ${data} (pass --data <dir>)\n`);
      continue;
    }
    const suite = await loadSuite(data, name);
    const parts = await createSessionParts(environment.tools.map((tool) => tool.name));
    for (const profile of profiles) {
      if (!values.json) {
        // The flow lint of the policy as run: untrusted text + sensitive data + an unguarded way out.
        const findings = lintPolicy(composePolicy(profile.document, environment));
        process.stdout.write(
          `redteam lint suite=${name} profile=${profile.name} findings=${findings.length}\n`,
        );
        for (const finding of findings.slice(0, 5)) process.stdout.write(`  ${finding.message}\n`);
        if (findings.length > 5) process.stdout.write(`  (${findings.length - 5} more)\n`);
      }
      for (const reviewer of reviewers) {
        const result = await runSuite({ suite, environment, profile, reviewer, parts });
        results.push(result);
        if (!values.json) process.stdout.write(`${formatReport(result)}\n`);
      }
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
