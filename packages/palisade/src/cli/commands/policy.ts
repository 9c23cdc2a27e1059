import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createPolicyEngine,
  formatPolicyIssue,
  lintPolicy,
  type PolicyEngine,
  PolicyError,
  parsePolicy,
  parsePolicyTests,
  type RequestSpec,
  replayAuditTrail,
  requestFromSpec,
  runPolicyTests,
} from '@palisade/policy';
import { parse as parseYaml } from 'yaml';
import { type CliIo, EXIT_USAGE } from '../io.js';

const USAGE = `Usage: palisade policy <command> [options]

Commands:
  validate <policy-file...>                 Check policy files; print each version or every issue
  lint <policy-file...> [--json]            Flow lint: agents that may read untrusted text and sensitive
                                             data and reach an external sink with no deny or approval between
  test <tests-file> [--policy <file>]        Run a file of requests with expected decisions
  explain --policy <file> (--request <file> | --tool <name> --agent <id> [--user <id>] [--roles a,b]
          [--input <json>] [--effect <effect>] [--task <id>] [--label <l>]... [--message <m>]... [--risk <n>])
                                             Decide one request and show every rule considered
  replay --policy <file> --trail <audit.jsonl> [--json]
                                             Re-decide a recorded audit trail and list what would change

Exit codes: 0 success, 1 invalid policy / failed tests / lint findings / changes with --fail-on-change,
2 bad usage.
`;

class UsageError extends Error {}

/** Runs `palisade policy ...`; resolves with the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'validate':
        return await validate(rest, io);
      case 'lint':
        return await lint(rest, io);
      case 'test':
        return await test(rest, io);
      case 'explain':
        return await explain(rest, io);
      case 'replay':
        return await replay(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? EXIT_USAGE : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`palisade policy: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (PolicyError.isInstance(error)) {
      io.stderr(`${(error as PolicyError).issues.map(formatPolicyIssue).join('\n')}\n`);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

async function readText(io: CliIo, file: string, what: string): Promise<{ path: string; text: string }> {
  const path = resolve(io.cwd, file);
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    throw new UsageError(`cannot read ${what} "${file}": ${(error as Error).message}`);
  }
}

async function loadEngine(io: CliIo, file: string): Promise<PolicyEngine> {
  const { text } = await readText(io, file, '--policy');
  return createPolicyEngine({ policy: parsePolicy(text, { source: file }) });
}

async function validate(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('validate needs at least one policy file');
  let failed = 0;
  for (const file of positionals) {
    const { text } = await readText(io, file, 'policy file');
    try {
      const engine = createPolicyEngine({ policy: parsePolicy(text, { source: file }) });
      const document = engine.document;
      io.stdout(
        `ok ${file}: ${Object.keys(document.tools).length} tools, ${document.rules.length} rules, ` +
          `${document.limits?.length ?? 0} limits, ${document.egress?.length ?? 0} egress rules; version ${engine.version}\n`,
      );
    } catch (error) {
      if (!PolicyError.isInstance(error)) throw error;
      failed += 1;
      io.stderr(
        `invalid ${file}:\n${(error as PolicyError).issues.map((issue) => `  ${formatPolicyIssue(issue)}`).join('\n')}\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

async function lint(args: string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('lint needs at least one policy file');
  let total = 0;
  const all: unknown[] = [];
  for (const file of positionals) {
    const { text } = await readText(io, file, 'policy file');
    const findings = lintPolicy(text, { source: file });
    total += findings.length;
    if (values.json) {
      all.push({ file, findings });
      continue;
    }
    for (const finding of findings) io.stdout(`${finding.message}\n`);
    if (findings.length === 0) io.stdout(`ok ${file}: no flow findings\n`);
  }
  if (values.json) io.stdout(`${JSON.stringify(all, null, 2)}\n`);
  else if (total > 0) io.stdout(`\n${total} flow finding(s)\n`);
  return total === 0 ? 0 : 1;
}

async function test(args: string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { policy: { type: 'string' } },
  });
  const [file, extra] = positionals;
  if (file === undefined || extra !== undefined) throw new UsageError('test needs exactly one tests file');
  const { path, text } = await readText(io, file, 'tests file');
  const suite = parsePolicyTests(text, { source: file });
  const policyFile =
    values.policy ?? (suite.policy === undefined ? undefined : resolve(dirname(path), suite.policy));
  if (policyFile === undefined)
    throw new UsageError('no policy: pass --policy or set "policy:" in the tests file');
  const engine = await loadEngine(io, policyFile);
  const results = runPolicyTests(engine, suite);
  for (const result of results) {
    io.stdout(`${result.passed ? 'pass' : 'FAIL'}  ${result.name}\n`);
    for (const failure of result.failures) io.stdout(`      ${failure}\n`);
  }
  const failed = results.filter((result) => !result.passed).length;
  io.stdout(`\n${results.length - failed} passed, ${failed} failed (policy ${engine.version})\n`);
  return failed === 0 ? 0 : 1;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

async function explain(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      request: { type: 'string' },
      tool: { type: 'string' },
      agent: { type: 'string' },
      user: { type: 'string' },
      roles: { type: 'string' },
      input: { type: 'string' },
      effect: { type: 'string' },
      task: { type: 'string' },
      label: { type: 'string', multiple: true },
      message: { type: 'string', multiple: true },
      risk: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.policy === undefined) throw new UsageError('explain needs --policy <file>');
  const engine = await loadEngine(io, values.policy);
  let spec: RequestSpec;
  if (values.request !== undefined) {
    if (values.tool !== undefined || values.agent !== undefined)
      throw new UsageError('give --request or --tool/--agent, not both');
    const { text } = await readText(io, values.request, '--request');
    spec = parseYaml(text) as RequestSpec;
    if (typeof spec?.tool !== 'string' || typeof spec.agent !== 'string')
      throw new UsageError('--request must hold at least tool and agent');
  } else {
    if (values.tool === undefined) throw new UsageError('explain needs --tool <name> (or --request <file>)');
    if (values.agent === undefined) throw new UsageError('explain needs --agent <id> (or --request <file>)');
    const risk = values.risk === undefined ? undefined : Number(values.risk);
    if (risk !== undefined && !(risk >= 0 && risk <= 1))
      throw new UsageError('--risk must be a number in [0, 1]');
    spec = {
      tool: values.tool,
      agent: values.agent,
      effect: values.effect as RequestSpec['effect'],
      task: values.task,
      user:
        values.user === undefined
          ? undefined
          : { id: values.user, roles: values.roles ? values.roles.split(',').filter(Boolean) : [] },
      input: values.input === undefined ? {} : parseJson('--input', values.input),
      context: { labels: values.label ?? [], userMessages: values.message ?? [], risk },
    };
  }
  const explanation = engine.explain(requestFromSpec(spec, engine));
  if (values.json) {
    io.stdout(`${JSON.stringify(explanation, null, 2)}\n`);
    return 0;
  }
  const { decision } = explanation;
  io.stdout(`decision: ${decision.effect.toUpperCase()}  ${decision.reason}\n`);
  io.stdout(
    `rules:    ${decision.ruleIds.length > 0 ? decision.ruleIds.join(', ') : '(none: default deny)'}\n`,
  );
  io.stdout(`version:  ${decision.policyVersion}\n`);
  for (const obligation of decision.obligations) io.stdout(`obliges:  ${JSON.stringify(obligation)}\n`);
  io.stdout('\nchecks:\n');
  for (const check of explanation.checks) io.stdout(`  - ${check}\n`);
  io.stdout(
    `\nrules considered (${explanation.rules.length}; ${explanation.skipped} not applicable to this tool):\n`,
  );
  for (const rule of explanation.rules) {
    io.stdout(
      `  ${rule.matched ? '✔' : '·'} ${rule.id.padEnd(28)} ${rule.effect.padEnd(8)} ${rule.detail}\n`,
    );
  }
  io.stdout(
    `\npermissions: agent ${explanation.permissions.agent ? 'yes' : 'no'}, user ${explanation.permissions.user ? 'yes' : 'no'}\n`,
  );
  return 0;
}

async function replay(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      trail: { type: 'string' },
      json: { type: 'boolean' },
      'fail-on-change': { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.policy === undefined) throw new UsageError('replay needs --policy <file>');
  if (values.trail === undefined) throw new UsageError('replay needs --trail <audit.jsonl>');
  const engine = await loadEngine(io, values.policy);
  const { text } = await readText(io, values.trail, '--trail');
  const report = replayAuditTrail(engine, text);
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const change of report.changes) {
      const { request, recorded, replayed } = change;
      const user = request.principal.user?.id ?? '-';
      io.stdout(
        `line ${change.line}  ${request.name}  agent ${request.principal.agent.id}  user ${user}: ` +
          `${recorded.effect} -> ${replayed.effect}  [${replayed.ruleIds.join(', ') || 'default'}] ${replayed.reason}\n`,
      );
    }
    for (const skip of report.skipped) io.stderr(`skipped line ${skip.line}: ${skip.reason}\n`);
    const summary = Object.entries(report.transitions)
      .map(([transition, count]) => `${transition}: ${count}`)
      .join(', ');
    io.stdout(
      `\n${report.total} decisions replayed against ${report.version}; ${report.changes.length} would change${summary ? ` (${summary})` : ''}\n`,
    );
  }
  return values['fail-on-change'] && report.changes.length > 0 ? 1 : 0;
}
