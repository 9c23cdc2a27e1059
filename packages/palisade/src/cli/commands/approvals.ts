import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ApprovalService,
  ApprovalStateError,
  ApproverRejectedError,
  createApprovalService,
  createSqliteApprovalStore,
} from '@palisade/approval';
import type { ApprovalRequest, ApprovalStore } from '@palisade/core';
import { type CliIo, EXIT_USAGE } from '../io.js';

const USAGE = `Usage: palisade approvals <list|show|approve|deny> [options]

  list                 pending requests (--all: every status, newest 100)
  show <id>            one request in full, with its exact payload
  approve <id>         approve a pending request
  deny <id>            deny a pending request

Options:
  --store <url>        sqlite:<path> | postgres://... | redis://...  (or PALISADE_APPROVAL_STORE)
  --table <name>       Postgres/SQLite table (default palisade_approvals)
  --prefix <prefix>    Redis key prefix (default palisade:approvals)
  --json               machine-readable output
  --all                list: every status
  --signing-key <file> approve/deny: the service's signing key (PEM Ed25519 private key, or a raw
                       secret of >= 32 bytes); or PALISADE_APPROVAL_SIGNING_KEY_FILE
  --approver <id>      approve/deny: the person who decides (recorded in the signed decision);
                       an agent's id (spiffe://...) is refused
  --reason <text>      approve/deny: recorded with the decision
  --digest <hex>       approve/deny: refuse unless the request's digest is this one
`;

class UsageError extends Error {}

/**
 * \`palisade approvals\`: list, show, approve and deny approval requests in any store.
 *
 * Deciding from the command line signs the decision with the service's own signing key, so only
 * an operator who holds that key can do it; the approver id is recorded as given, and approving a
 * request the approver is part of is refused as in the console.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args, io);
  } catch (error) {
    io.stderr(`palisade approvals: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const { command, id, values } = parsed;
  let store: ApprovalStore;
  try {
    store = await openStore(parsed.store, values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`palisade approvals: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  let service: ApprovalService | undefined;
  try {
    const deciding = command === 'approve' || command === 'deny';
    let signingKey: KeyObject | undefined;
    if (deciding) {
      try {
        signingKey = readSigningKey(
          values['signing-key'] ?? io.env.PALISADE_APPROVAL_SIGNING_KEY_FILE,
          io.cwd,
        );
      } catch (error) {
        io.stderr(`palisade approvals: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT_USAGE;
      }
    }
    const approver = values.approver;
    service = createApprovalService({
      store,
      signingKey,
      // The CLI's credential is the service's signing key: whoever holds it is an operator, and the
      // approver named must be a person. An agent's identity (a SPIFFE id) never approves here
      // either: the service refuses it as not human.
      approvers: (credential) => {
        if (credential !== approver) throw new Error('the approver does not match');
        return { id: credential, roles: ['cli'], human: !credential.includes('://') };
      },
    });
    switch (command) {
      case 'list':
        return await list(service, values, io);
      case 'show':
        return await show(service, id!, values, io);
      default:
        return await decide(service, id!, command === 'approve', values, io);
    }
  } catch (error) {
    if (ApproverRejectedError.isInstance(error) || ApprovalStateError.isInstance(error)) {
      io.stderr(
        `palisade approvals: ${(error as Error).message} (${(error as ApproverRejectedError).code})\n`,
      );
      return 1;
    }
    throw error;
  } finally {
    service?.close();
    await store.dispose();
  }
}

type Values = ReturnType<typeof parseValues>['values'];

function parseValues(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      store: { type: 'string' },
      table: { type: 'string' },
      prefix: { type: 'string' },
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      'signing-key': { type: 'string' },
      approver: { type: 'string' },
      reason: { type: 'string' },
      digest: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function parse(args: string[], io: CliIo) {
  const { values, positionals } = parseValues(args);
  if (values.help) return 'help' as const;
  const [command, id, ...extra] = positionals;
  if (command !== 'list' && command !== 'show' && command !== 'approve' && command !== 'deny') {
    throw new Error(command === undefined ? 'missing subcommand' : `unknown subcommand "${command}"`);
  }
  if (command === 'list' ? id !== undefined : id === undefined || extra.length > 0) {
    throw new Error(command === 'list' ? 'list takes no <id>' : `${command} needs exactly one <id>`);
  }
  if (id !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) throw new Error('<id> is malformed');
  const store = values.store ?? io.env.PALISADE_APPROVAL_STORE;
  if (store === undefined || store === '')
    throw new Error('--store is required (or set PALISADE_APPROVAL_STORE)');
  if (command === 'approve' || command === 'deny') {
    if (values.approver === undefined || values.approver === '') throw new Error('--approver is required');
    if (values.digest !== undefined && !/^[0-9a-f]{64}$/.test(values.digest)) {
      throw new Error('--digest must be 64 lowercase hex digits');
    }
    if (values.reason !== undefined && values.reason.length > 2000)
      throw new Error('--reason is longer than 2000 characters');
  }
  return { command, id, values, store } as const;
}

async function openStore(url: string, values: Values, io: CliIo): Promise<ApprovalStore> {
  try {
    if (url.startsWith('sqlite:')) {
      const path = url.slice('sqlite:'.length);
      if (path === '') throw new UsageError('--store sqlite:<path> needs a path');
      return createSqliteApprovalStore({
        path: path === ':memory:' || isAbsolute(path) ? path : resolve(io.cwd, path),
        tableName: values.table,
      });
    }
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
      const { createPostgresApprovalStore } =
        await importStore<typeof import('@palisade/store-postgres')>('@palisade/store-postgres');
      return createPostgresApprovalStore({
        connectionString: url,
        tableName: values.table,
        maxConnections: 2,
      });
    }
    if (url.startsWith('redis://') || url.startsWith('rediss://')) {
      const { createRedisApprovalStore } =
        await importStore<typeof import('@palisade/store-redis')>('@palisade/store-redis');
      return createRedisApprovalStore({ url, keyPrefix: values.prefix });
    }
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  throw new UsageError(`--store must be sqlite:<path>, postgres://... or redis://..., got "${url}"`);
}

async function importStore<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new UsageError(`${name} is needed for this store URL; install it (${(error as Error).message})`);
  }
}

function readSigningKey(file: string | undefined, cwd: string): KeyObject {
  if (file === undefined || file === '') {
    throw new Error('--signing-key <file> (or PALISADE_APPROVAL_SIGNING_KEY_FILE) is required to decide');
  }
  const bytes = readFileSync(isAbsolute(file) ? file : resolve(cwd, file));
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) return createPrivateKey(text);
  return createSecretKey(bytes);
}

async function list(service: ApprovalService, values: Values, io: CliIo): Promise<number> {
  const requests = values.all
    ? (await service.list({ limit: 1000 })).slice(-100).reverse()
    : await service.listPending();
  if (values.json) {
    io.stdout(`${JSON.stringify(requests, null, 2)}\n`);
    return 0;
  }
  if (requests.length === 0) {
    io.stdout(values.all ? 'No approval requests.\n' : 'No pending approval requests.\n');
    return 0;
  }
  const now = service.now();
  const rows = requests.map((request) => [
    request.id,
    request.status,
    request.tool,
    request.effect,
    request.target ?? '-',
    request.agent.id,
    request.user?.id ?? '-',
    request.status === 'pending' ? timeLeft(request.expiresAt - now) : '-',
  ]);
  io.stdout(table(['ID', 'STATUS', 'TOOL', 'EFFECT', 'TARGET', 'AGENT', 'USER', 'TIME LEFT'], rows));
  return 0;
}

async function show(service: ApprovalService, id: string, values: Values, io: CliIo): Promise<number> {
  const request = await service.get(id);
  if (!request) {
    io.stderr(`palisade approvals: approval request ${id} does not exist\n`);
    return 1;
  }
  io.stdout(values.json ? `${JSON.stringify(request, null, 2)}\n` : describe(request, service.now()));
  return 0;
}

async function decide(
  service: ApprovalService,
  id: string,
  approve: boolean,
  values: Values,
  io: CliIo,
): Promise<number> {
  const request = await service.get(id);
  if (!request) {
    io.stderr(`palisade approvals: approval request ${id} does not exist\n`);
    return 1;
  }
  if (values.digest !== undefined && values.digest !== request.digest) {
    io.stderr(
      `palisade approvals: request ${id} has digest ${request.digest}, not ${values.digest}; nothing decided\n`,
    );
    return 1;
  }
  const decision = await service.decide({
    approvalId: id,
    approve,
    approverCredential: values.approver!,
    reason: values.reason,
  });
  io.stdout(
    values.json
      ? `${JSON.stringify(decision, null, 2)}\n`
      : `${approve ? 'Approved' : 'Denied'} ${id} (${request.tool}) as ${decision.approver}; digest ${decision.digest}\n`,
  );
  return 0;
}

function describe(request: ApprovalRequest, now: number): string {
  const lines = [
    `Request      ${request.id}`,
    `Status       ${request.status}${request.status === 'pending' ? ` (${timeLeft(request.expiresAt - now)} left)` : ''}`,
    `Tool         ${request.tool} (${request.kind}, effect ${request.effect})`,
    `Target       ${request.target ?? '-'}`,
    `Side effects ${request.sideEffects.join('; ') || '-'}`,
    `Rationale    ${request.rationale || '-'}`,
    `Agent        ${request.agent.id}${request.agent.name ? ` (${request.agent.name})` : ''}`,
    `User         ${request.user ? `${request.user.id} [${request.user.roles.join(', ')}]` : '-'}`,
    `Delegation   ${request.delegation.join(' -> ') || '-'}`,
    `Audience     ${request.audience ?? '-'}`,
    `Policy       ${request.policy ? `${request.policy.reason} [${request.policy.ruleIds.join(', ')}]` : '-'}`,
    `Created      ${new Date(request.createdAt).toISOString()}`,
    `Expires      ${new Date(request.expiresAt).toISOString()}`,
    `Digest       ${request.digest}`,
  ];
  if (request.decision) {
    const decision = request.decision;
    lines.push(
      `Decision     ${decision.approve ? 'approved' : 'denied'} by ${decision.approver} at ${new Date(decision.decidedAt).toISOString()}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
  }
  if (request.consumedAt !== undefined)
    lines.push(`Consumed     ${new Date(request.consumedAt).toISOString()}`);
  lines.push('Payload (exact, in full):', JSON.stringify(request.input, null, 2));
  return `${lines.join('\n')}\n`;
}

function timeLeft(ms: number): string {
  if (ms <= 0) return 'expired';
  const seconds = Math.floor(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${hours > 0 ? `${hours}h ` : ''}${minutes}m ${seconds % 60}s`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: string[]) =>
    `${row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()}\n`;
  return format(header) + rows.map(format).join('');
}
