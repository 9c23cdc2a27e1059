import type { CliCommand } from './io.js';

/** One command group: loaded only when invoked, so `palisade keys` never loads the Postgres driver. */
export interface CommandGroup {
  readonly summary: string;
  readonly load: () => Promise<{ run: CliCommand }>;
}

/** The CLI's command groups, by first word. */
export const COMMANDS: Readonly<Record<string, CommandGroup>> = {
  keys: {
    summary: 'generate signing keys for agent tokens and print their JWKS',
    load: () => import('./commands/keys.js'),
  },
  token: {
    summary: 'issue, inspect and verify agent tokens',
    load: () => import('./commands/token.js'),
  },
  agents: {
    summary: 'list the agent registry and run the pre-deployment checklist',
    load: () => import('./commands/agents.js'),
  },
  policy: {
    summary: 'validate, test, explain and replay policies',
    load: () => import('./commands/policy.js'),
  },
  approvals: {
    summary: 'list, show, approve and deny approval requests in any store',
    load: () => import('./commands/approvals.js'),
  },
  audit: {
    summary: 'verify a tamper-evident audit log, tail it, export it for a SIEM',
    load: () => import('./commands/audit.js'),
  },
};
