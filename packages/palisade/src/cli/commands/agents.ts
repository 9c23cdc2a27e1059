import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AgentRegistration, type AgentRegistry, createAgentRegistry } from '@palisade/identity';
import { parse as parseYaml } from 'yaml';
import { type CliIo, EXIT_USAGE } from '../io.js';

const USAGE = `Usage: palisade agents <list|check> [options]

  list                 every registered agent: id, status, owner, tools
  check                the pre-deployment checklist (identity registered, owner assigned,
                       no wildcard permissions, audit on, status active); exits 1 when any fails

Options:
  --registry <file>    agent registry (YAML or JSON), or PALISADE_AGENT_REGISTRY
  --agent <name|id>    check: only this agent (repeatable)
  --json               machine-readable output

Registry file:
  trustDomain: acme.example
  audit: true                      # audit (spans, tamper-evident log) is on where agents run
  agents:
    - name: support-bot
      owner: team-support
      purpose: Answers support tickets
      tools: [get_ticket, send_reply]
      status: active               # active | suspended | retired
`;

/** An agent registry read from a file, with the deployment's audit setting. */
export interface RegistryFile {
  readonly registry: AgentRegistry;
  readonly auditEnabled: boolean;
  readonly path: string;
}

/** A problem with the command line or an input file: reported with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Reads an agent registry file (YAML or JSON): `trustDomain`, `audit` and `agents`.
 *
 * @throws UsageError naming the file and the problem.
 */
export async function loadRegistryFile(file: string | undefined, io: CliIo): Promise<RegistryFile> {
  const given = file ?? io.env.PALISADE_AGENT_REGISTRY;
  if (given === undefined || given === '')
    throw new UsageError('--registry is required (or set PALISADE_AGENT_REGISTRY)');
  const path = isAbsolute(given) ? given : resolve(io.cwd, given);
  let document: unknown;
  try {
    document = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--registry ${given}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof document !== 'object' || document === null)
    throw new UsageError(`--registry ${given}: expected a mapping`);
  const { trustDomain, audit, agents } = document as Record<string, unknown>;
  if (audit !== undefined && typeof audit !== 'boolean')
    throw new UsageError(`--registry ${given}: audit must be true or false`);
  if (!Array.isArray(agents)) throw new UsageError(`--registry ${given}: agents must be a list`);
  try {
    const registry = createAgentRegistry({
      trustDomain: trustDomain as string | undefined,
      agents: agents as AgentRegistration[],
    });
    return { registry, auditEnabled: audit === true, path };
  } catch (error) {
    throw new UsageError(`--registry ${given}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      registry: { type: 'string' },
      agent: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help' as const;
  const [command, ...extra] = positionals;
  if (command !== 'list' && command !== 'check') {
    throw new UsageError(command === undefined ? 'missing subcommand' : `unknown subcommand "${command}"`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === 'list' && values.agent !== undefined) throw new UsageError('--agent applies to check only');
  return { command, values };
}

/** `palisade agents`: list the agent registry and run the pre-deployment checklist. */
export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  let file: RegistryFile;
  try {
    parsed = parse(args);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    file = await loadRegistryFile(parsed.values.registry, io);
  } catch (error) {
    io.stderr(`palisade agents: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { command, values } = parsed;
  if (command === 'list') {
    const agents = file.registry.list();
    if (values.json) {
      io.stdout(`${JSON.stringify(agents, null, 2)}\n`);
      return 0;
    }
    const rows = agents.map((agent) => [
      agent.id ?? agent.name,
      agent.status,
      agent.owner,
      agent.tools.join(','),
    ]);
    io.stdout(table([['AGENT', 'STATUS', 'OWNER', 'TOOLS'], ...rows]));
    return 0;
  }
  const report = file.registry.check({ auditEnabled: file.auditEnabled, agents: values.agent });
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const agent of report.agents) {
      io.stdout(`${agent.ok ? 'PASS' : 'FAIL'} ${agent.agent}\n`);
      for (const item of agent.items)
        io.stdout(`  ${item.ok ? 'ok  ' : 'FAIL'} ${item.check.padEnd(24)} ${item.detail}\n`);
    }
    if (report.agents.length === 0) io.stdout('FAIL no agents are registered\n');
    io.stdout(report.ok ? 'All checks passed.\n' : 'Pre-deployment checks failed.\n');
  }
  return report.ok ? 0 : 1;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
