import { createPublicKey, type KeyObject } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AuditChainVerification, createFileChainStore, verifyAuditChain } from '@palisade/audit';
import type { AuditChainStore } from '@palisade/core';
import { type CliIo, EXIT_USAGE } from '../io.js';

const USAGE = `Usage: palisade audit <verify|tail|export> <log> [options]

  verify <log>         check every hash link, sequence number, checkpoint and anchor; reports the
                       first broken link and its position; exits 1 when the log was tampered with
  tail <log>           the last records, one line each (also reads a JSON-lines span file)
  export <log>         the records as flat JSON lines for a SIEM

  <log> is a JSON-lines audit chain file, or a postgres://... URL (with --table).

Options:
  --public-key <file>  verify: the Ed25519 public key (PEM) that signs checkpoints, or
                       PALISADE_AUDIT_PUBLIC_KEY_FILE; without it signatures are not checked.
                       With it, the log fails unless a signed, anchored checkpoint covers it all
  --allow-unsigned-tail verify: accept records after the last signed checkpoint (reported)
  --table <name>       Postgres table (default palisade_audit_chain)
  -n, --lines <n>      tail: how many records (default 20)
  --type <type>        tail/export: only intent, result, event or checkpoint records
  --from <seq>         export: start at this sequence number
  --output <file>      export: write to a file instead of standard output
  --json               verify/tail: machine-readable output
`;

class UsageError extends Error {}

const COMMANDS = new Set(['verify', 'tail', 'export']);
const TYPES = new Set(['intent', 'result', 'event', 'checkpoint']);

type Values = ReturnType<typeof parseValues>['values'];

function parseValues(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'public-key': { type: 'string' },
      'allow-unsigned-tail': { type: 'boolean', default: false },
      table: { type: 'string' },
      lines: { type: 'string', short: 'n' },
      type: { type: 'string' },
      from: { type: 'string' },
      output: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/**
 * `palisade audit`: verify a tamper-evident audit log, show its last records, or export it for a
 * SIEM. Reads a JSON-lines chain file or a Postgres chain; never writes to the log.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  let command: string;
  let target: string;
  let values: Values;
  try {
    const parsed = parseValues(args);
    values = parsed.values;
    if (values.help || parsed.positionals.length === 0) {
      io.stdout(USAGE);
      return values.help ? 0 : EXIT_USAGE;
    }
    const [first, second, ...extra] = parsed.positionals;
    if (first === undefined || !COMMANDS.has(first))
      throw new UsageError(`unknown command "${String(first)}"`);
    if (second === undefined) throw new UsageError(`${first} needs a <log> (a file or a postgres:// URL)`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (values.type !== undefined && !TYPES.has(values.type)) {
      throw new UsageError(`--type must be intent, result, event or checkpoint, got "${values.type}"`);
    }
    command = first;
    target = second;
  } catch (error) {
    io.stderr(`palisade audit: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  let store: Pick<AuditChainStore, 'read' | 'anchors' | 'close'>;
  let publicKey: KeyObject | undefined;
  try {
    store = await openLog(target, values, io);
    if (command === 'verify')
      publicKey = readPublicKey(values['public-key'] ?? io.env.PALISADE_AUDIT_PUBLIC_KEY_FILE, io.cwd);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`palisade audit: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  try {
    if (command === 'verify') return await verify(store, displayName(target), publicKey, values, io);
    if (command === 'tail') return await tail(store, values, io);
    return await exportRecords(store, values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`palisade audit: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  } finally {
    await store.close();
  }
}

async function openLog(
  target: string,
  values: Values,
  io: CliIo,
): Promise<Pick<AuditChainStore, 'read' | 'anchors' | 'close'>> {
  if (target.startsWith('postgres://') || target.startsWith('postgresql://')) {
    let module: typeof import('@palisade/store-postgres');
    try {
      module = await import('@palisade/store-postgres');
    } catch (error) {
      throw new UsageError(
        `@palisade/store-postgres is needed to read a Postgres log; install it (${(error as Error).message})`,
      );
    }
    try {
      return module.createPostgresAuditChainStore({
        connectionString: target,
        tableName: values.table,
        maxConnections: 1,
        createTable: false,
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  if (values.table !== undefined) throw new UsageError('--table applies to a postgres:// log only');
  const path = isAbsolute(target) ? target : resolve(io.cwd, target);
  if (!existsSync(path)) throw new UsageError(`no such log file: ${target}`);
  // Reading takes no lock: `read` and `anchors` never open the log for writing.
  return createFileChainStore({ path });
}

/** The log as shown: a database password never reaches the terminal. */
function displayName(target: string): string {
  if (!/^postgres(ql)?:\/\//.test(target)) return target;
  try {
    const url = new URL(target);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

function readPublicKey(file: string | undefined, cwd: string): KeyObject | undefined {
  if (file === undefined || file === '') return undefined;
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  try {
    const key = createPublicKey(readFileSync(path, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
    return key;
  } catch (error) {
    throw new UsageError(`--public-key ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function verify(
  store: Pick<AuditChainStore, 'read' | 'anchors'>,
  target: string,
  publicKey: KeyObject | undefined,
  values: Values,
  io: CliIo,
): Promise<number> {
  const verdict: AuditChainVerification = await verifyAuditChain(store, {
    publicKey,
    allowUnsignedTail: values['allow-unsigned-tail'],
  });
  if (values.json) {
    io.stdout(`${JSON.stringify(verdict, null, 2)}\n`);
    return verdict.ok ? 0 : 1;
  }
  if (!verdict.ok) {
    // Only a broken link is evidence of tampering; a key that does not match, or a log no signature
    // covers (wholly or at its end), is reported as what it is.
    const heading =
      verdict.problem === 'wrong-key'
        ? 'KEY MISMATCH'
        : verdict.problem === 'unsigned' || verdict.problem === 'unsigned-tail'
          ? 'UNSIGNED'
          : 'TAMPERED';
    const hint =
      verdict.problem === 'unsigned-tail'
        ? '  (pass --allow-unsigned-tail to accept records not yet covered by a checkpoint)\n'
        : '';
    io.stdout(
      `${heading} ${target}\n  ${verdict.problem} at ${verdict.message}\n  ${verdict.records} record(s) verified before it\n${hint}`,
    );
    if (verdict.position === 0 && verdict.problem === 'malformed' && (await looksLikeSpans(store))) {
      io.stdout(
        '  (this looks like a JSON-lines span file, not an audit chain: use `palisade audit tail`)\n',
      );
    }
    return 1;
  }
  const lines = [
    `OK ${target}`,
    `  records       ${verdict.records}`,
    `  head          ${verdict.head ? `${verdict.head.sequence} ${verdict.head.hash}` : '(empty)'}`,
    `  checkpoints   ${verdict.checkpoints}${verdict.signatures === 'verified' ? ' (signatures verified)' : ' (signatures NOT checked: pass --public-key)'}`,
    `  signed up to  ${verdict.signedThrough < 0 ? '(nothing signed)' : `sequence ${verdict.signedThrough}`}`,
  ];
  if (verdict.unsignedTail > 0)
    lines.push(`  unsigned tail ${verdict.unsignedTail} record(s) after the last checkpoint`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

async function looksLikeSpans(store: Pick<AuditChainStore, 'read'>): Promise<boolean> {
  for await (const line of store.read()) {
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      return typeof value.traceId === 'string' && typeof value.spanId === 'string';
    } catch {
      return false;
    }
  }
  return false;
}

interface Row {
  readonly sequence: string;
  readonly time: string;
  readonly type: string;
  readonly tool: string;
  readonly call: string;
  readonly detail: string;
}

/** One line of a chain or a span file, summarised. */
function summarise(
  line: string,
): { row: Row; type: string; sequence: number; flat: Record<string, unknown> } | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value.traceId === 'string') {
    const attributes = (value.attributes ?? {}) as Record<string, unknown>;
    const status = (value.status ?? {}) as { code?: string };
    const row: Row = {
      sequence: '-',
      time: String(value.startTime ?? '-'),
      type: 'span',
      tool: String(value.name ?? '-'),
      call: String(attributes['gen_ai.tool.call.id'] ?? '-'),
      detail: [
        attributes['palisade.decision'],
        attributes['palisade.outcome'],
        attributes['user.id'] && `user=${String(attributes['user.id'])}`,
        status.code === 'ERROR' ? 'ERROR' : undefined,
      ]
        .filter(Boolean)
        .join(' '),
    };
    return { row, type: 'span', sequence: -1, flat: value };
  }
  const data = (value.data ?? {}) as Record<string, unknown>;
  const decision = (data.decision ?? {}) as Record<string, unknown>;
  const request = (data.request ?? {}) as Record<string, unknown>;
  const type = String(value.type);
  const time = typeof value.time === 'number' ? new Date(value.time).toISOString() : '-';
  const ruleIds = Array.isArray(decision.ruleIds) ? decision.ruleIds.join(',') : undefined;
  const detail =
    type === 'checkpoint'
      ? `signed up to ${String(data.upTo)} by key ${String(data.keyId)}`
      : type === 'event'
        ? String(data.name ?? '')
        : [
            data.status,
            decision.effect && `decision=${String(decision.effect)}`,
            ruleIds && `rules=${ruleIds}`,
            request.user !== undefined && `user=${String(request.user)}`,
            (data.error as { code?: string } | undefined)?.code,
          ]
            .filter(Boolean)
            .join(' ');
  const row: Row = {
    sequence: String(value.seq),
    time,
    type,
    tool: String(data.tool ?? '-'),
    call: String(data.callId ?? '-'),
    detail,
  };
  const flat: Record<string, unknown> = {
    timestamp: time,
    sequence: value.seq,
    type,
    hash: value.hash,
    prev: value.prev,
    key: value.key,
    callId: data.callId,
    tool: data.tool,
    status: data.status,
    decision: decision.effect,
    ruleIds: decision.ruleIds,
    policyVersion: decision.policyVersion,
    agent: request.agent,
    user: request.user,
    data,
  };
  return { row, type, sequence: typeof value.seq === 'number' ? value.seq : -1, flat };
}

async function tail(store: Pick<AuditChainStore, 'read'>, values: Values, io: CliIo): Promise<number> {
  const count = values.lines === undefined ? 20 : Number(values.lines);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--lines must be a positive integer, got "${values.lines}"`);
  const last: NonNullable<ReturnType<typeof summarise>>[] = [];
  let unreadable = 0;
  for await (const line of store.read()) {
    const summary = summarise(line);
    if (!summary) {
      unreadable += 1;
      continue;
    }
    if (values.type !== undefined && summary.type !== values.type) continue;
    last.push(summary);
    if (last.length > count) last.shift();
  }
  if (values.json) {
    io.stdout(
      `${last.map((summary) => JSON.stringify(summary.flat)).join('\n')}${last.length > 0 ? '\n' : ''}`,
    );
  } else if (last.length === 0) {
    io.stdout('No records.\n');
  } else {
    io.stdout(
      table(
        ['SEQ', 'TIME', 'TYPE', 'TOOL', 'CALL', 'DETAIL'],
        last.map(({ row }) => [row.sequence, row.time, row.type, row.tool, row.call, row.detail]),
      ),
    );
  }
  if (unreadable > 0)
    io.stderr(`palisade audit: ${unreadable} unreadable line(s) skipped; run \`palisade audit verify\`\n`);
  return 0;
}

async function exportRecords(
  store: Pick<AuditChainStore, 'read'>,
  values: Values,
  io: CliIo,
): Promise<number> {
  const from = values.from === undefined ? 0 : Number(values.from);
  if (!Number.isInteger(from) || from < 0)
    throw new UsageError(`--from must be a sequence number, got "${values.from}"`);
  const output =
    values.output === undefined
      ? undefined
      : isAbsolute(values.output)
        ? values.output
        : resolve(io.cwd, values.output);
  const file = output === undefined ? undefined : createWriteStream(output, { flags: 'w' });
  const write = (text: string): Promise<void> | void => {
    if (!file) return io.stdout(text);
    if (file.write(text)) return undefined;
    return new Promise((resolveDrain) => file.once('drain', () => resolveDrain()));
  };
  let exported = 0;
  let unreadable = 0;
  try {
    for await (const line of store.read()) {
      const summary = summarise(line);
      if (!summary || summary.type === 'span') {
        unreadable += 1;
        continue;
      }
      if (summary.sequence < from || (values.type !== undefined && summary.type !== values.type)) continue;
      await write(`${JSON.stringify(summary.flat)}\n`);
      exported += 1;
    }
  } finally {
    if (file)
      await new Promise<void>((resolveEnd, reject) =>
        file.end((error?: Error | null) => (error ? reject(error) : resolveEnd())),
      );
  }
  if (output !== undefined) io.stderr(`palisade audit: exported ${exported} record(s) to ${output}\n`);
  if (unreadable > 0) io.stderr(`palisade audit: ${unreadable} line(s) that are not chain records skipped\n`);
  return 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[format(header), ...rows.map(format)].join('\n')}\n`;
}
