import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PalisadeError, type RevocationStore } from '@palisade/core';
import {
  createAgentIssuer,
  createAgentVerifier,
  createRemoteJwks,
  decodeAgentToken,
  type JsonWebKeySet,
} from '@palisade/identity';
import { type CliIo, EXIT_USAGE } from '../io.js';
import { loadRegistryFile, UsageError } from './agents.js';
import { readSigningKey } from './keys.js';

const USAGE = `Usage: palisade token <issue|inspect|verify> [options]

  issue                mint an agent token (printed on stdout)
  inspect <token>      show header and claims WITHOUT verifying
  verify <token>       verify and print the principal; exits 1 when the token is refused

Options:
  --issuer <url>       token issuer (or PALISADE_ISSUER)
  --audience <aud>     token audience (or PALISADE_AUDIENCE)
  --json               machine-readable output (inspect, verify)

  issue:
  --key <file>         private JWK from 'palisade keys generate' (or PALISADE_SIGNING_KEY_FILE)
  --registry <file>    agent registry (or PALISADE_AGENT_REGISTRY); its trustDomain names agents
  --agent <name|id>    the registered, active agent
  --user <id>          the user the agent acts for
  --role <role>        the user's role (repeatable)
  --tenant <tenant>    the user's tenant
  --scope <scope>      a scope (repeatable; default: the agent's registered scopes)
  --task <id>          the task the token is scoped to
  --ttl <seconds>      lifetime (default 300, capped by --max-ttl)
  --max-ttl <seconds>  upper bound of the lifetime (default 900)

  verify:
  --jwks <file|url>    the issuer's public JWKS (or PALISADE_JWKS)
  --registry <file>    also require every agent in the chain to be registered and active
  --revocations <url>  also refuse revoked tokens, read from the shared store (or PALISADE_REVOCATIONS):
                       redis://... (needs @palisade/store-redis) or postgres://... (needs
                       @palisade/store-postgres)
  --revocations-prefix <prefix>  Redis key prefix (default palisade:revocations)
  --revocations-table <name>     Postgres table (default palisade_revocations)
`;

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      issuer: { type: 'string' },
      audience: { type: 'string' },
      json: { type: 'boolean', default: false },
      key: { type: 'string' },
      registry: { type: 'string' },
      agent: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      scope: { type: 'string', multiple: true },
      task: { type: 'string' },
      ttl: { type: 'string' },
      'max-ttl': { type: 'string' },
      jwks: { type: 'string' },
      revocations: { type: 'string' },
      'revocations-prefix': { type: 'string' },
      'revocations-table': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help' as const;
  const [command, token, ...extra] = positionals;
  if (command !== 'issue' && command !== 'inspect' && command !== 'verify') {
    throw new UsageError(command === undefined ? 'missing subcommand' : `unknown subcommand "${command}"`);
  }
  if (command === 'issue' ? token !== undefined : token === undefined || token === '') {
    throw new UsageError(
      command === 'issue' ? `unexpected argument "${token}"` : `${command} needs a <token>`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return { command, token: token ?? '', values };
}

type Values = Exclude<ReturnType<typeof parse>, 'help'>['values'];

function required(
  value: string | undefined,
  fallback: string | undefined,
  option: string,
  variable?: string,
): string {
  const result = value ?? fallback;
  if (result === undefined || result === '') {
    throw new UsageError(`--${option} is required${variable === undefined ? '' : ` (or set ${variable})`}`);
  }
  return result;
}

function seconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(value))
    throw new UsageError(`--${option} must be a positive whole number of seconds`);
  return Number(value);
}

async function issue(values: Values, io: CliIo): Promise<number> {
  const issuerName = required(values.issuer, io.env.PALISADE_ISSUER, 'issuer', 'PALISADE_ISSUER');
  const audience = required(values.audience, io.env.PALISADE_AUDIENCE, 'audience', 'PALISADE_AUDIENCE');
  const keyFile = required(values.key, io.env.PALISADE_SIGNING_KEY_FILE, 'key', 'PALISADE_SIGNING_KEY_FILE');
  const agent = required(values.agent, undefined, 'agent');
  if (values.user === undefined && (values.role !== undefined || values.tenant !== undefined)) {
    throw new UsageError('--role and --tenant need --user');
  }
  const ttlSeconds = seconds(values.ttl, 'ttl');
  const maxTtlSeconds = seconds(values['max-ttl'], 'max-ttl') ?? 900;
  const file = await loadRegistryFile(values.registry, io);
  if (file.registry.trustDomain === undefined)
    throw new UsageError(`--registry ${file.path}: trustDomain is required`);
  const key = await readSigningKey(keyFile, io, '--key');
  let issuer: ReturnType<typeof createAgentIssuer>;
  try {
    issuer = createAgentIssuer({
      issuer: issuerName,
      audience,
      trustDomain: file.registry.trustDomain,
      keys: key,
      registry: file.registry,
      maxTtlSeconds,
      defaultTtlSeconds: Math.min(300, maxTtlSeconds),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const token = await issuer.issue({
    agent,
    user:
      values.user === undefined
        ? undefined
        : { id: values.user, roles: values.role ?? [], tenant: values.tenant },
    scopes: values.scope,
    task: values.task,
    ttlSeconds,
  });
  io.stdout(`${token}\n`);
  return 0;
}

function inspect(token: string, values: Values, io: CliIo): number {
  const { header, claims } = decodeAgentToken(token);
  const now = Math.floor(Date.now() / 1000);
  if (values.json) {
    io.stdout(`${JSON.stringify({ verified: false, header, claims }, null, 2)}\n`);
    return 0;
  }
  io.stderr(
    'NOT VERIFIED: this shows what the token claims, not whether it is valid. Use "palisade token verify".\n',
  );
  io.stdout(`header: ${JSON.stringify(header)}\nclaims: ${JSON.stringify(claims, null, 2)}\n`);
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = claims[name];
    if (typeof value === 'number') {
      const delta = value - now;
      io.stdout(
        `${name}: ${new Date(value * 1000).toISOString()} (${delta >= 0 ? `in ${delta}s` : `${-delta}s ago`})\n`,
      );
    }
  }
  return 0;
}

async function jwksSource(given: string, io: CliIo) {
  if (/^https?:\/\//.test(given)) return createRemoteJwks({ url: given });
  const path = isAbsolute(given) ? given : resolve(io.cwd, given);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--jwks ${given}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parsed as JsonWebKeySet;
}

type RevocationReader = RevocationStore & { ready(timeoutMs?: number): Promise<void> };

async function importStore<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new UsageError(
      `--revocations: ${name} is needed for this store URL; install it (${(error as Error).message})`,
    );
  }
}

/** Opens the revocation store named by `--revocations`, loading its package only when asked for. */
async function openRevocations(url: string, values: Values): Promise<RevocationReader> {
  if (values['revocations-prefix'] !== undefined && !/^rediss?:\/\//.test(url))
    throw new UsageError('--revocations-prefix needs a redis:// --revocations URL');
  if (values['revocations-table'] !== undefined && !/^postgres(ql)?:\/\//.test(url))
    throw new UsageError('--revocations-table needs a postgres:// --revocations URL');
  try {
    if (/^postgres(ql)?:\/\//.test(url)) {
      const { createPostgresRevocationStore } =
        await importStore<typeof import('@palisade/store-postgres')>('@palisade/store-postgres');
      // Reading only: a missing table is an error, not something to create from a verification.
      return createPostgresRevocationStore({
        connectionString: url,
        tableName: values['revocations-table'],
        createTable: false,
      });
    }
    if (/^rediss?:\/\//.test(url)) {
      const { createRedisRevocationStore } =
        await importStore<typeof import('@palisade/store-redis')>('@palisade/store-redis');
      return createRedisRevocationStore({ url, keyPrefix: values['revocations-prefix'] });
    }
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`--revocations: ${error.message}`);
    throw error;
  }
  throw new UsageError(`--revocations must be a redis://... or postgres://... URL, got "${url}"`);
}

async function verify(token: string, values: Values, io: CliIo): Promise<number> {
  const issuer = required(values.issuer, io.env.PALISADE_ISSUER, 'issuer', 'PALISADE_ISSUER');
  const audience = required(values.audience, io.env.PALISADE_AUDIENCE, 'audience', 'PALISADE_AUDIENCE');
  const keys = await jwksSource(required(values.jwks, io.env.PALISADE_JWKS, 'jwks', 'PALISADE_JWKS'), io);
  const registry =
    values.registry === undefined ? undefined : (await loadRegistryFile(values.registry, io)).registry;
  const revocationsUrl = values.revocations ?? io.env.PALISADE_REVOCATIONS;
  if (revocationsUrl === '') throw new UsageError('--revocations must not be empty');
  if (
    revocationsUrl === undefined &&
    (values['revocations-prefix'] !== undefined || values['revocations-table'] !== undefined)
  ) {
    throw new UsageError('--revocations-prefix and --revocations-table need --revocations');
  }
  const revocations =
    revocationsUrl === undefined ? undefined : await openRevocations(revocationsUrl, values);
  try {
    return await verifyWith(token, values, io, { issuer, audience, keys, registry, revocations });
  } finally {
    await revocations?.close();
  }
}

async function verifyWith(
  token: string,
  values: Values,
  io: CliIo,
  options: Parameters<typeof createAgentVerifier>[0] & { revocations?: RevocationReader | undefined },
): Promise<number> {
  let verifier: ReturnType<typeof createAgentVerifier>;
  try {
    verifier = createAgentVerifier(options);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // Without every revocation loaded no verdict can be given: the failure ends the command (exit 1).
  await options.revocations?.ready(5000);
  try {
    const principal = await verifier.verify(token);
    io.stdout(
      values.json
        ? `${JSON.stringify({ valid: true, principal }, null, 2)}\n`
        : `valid\n${JSON.stringify(principal, null, 2)}\n`,
    );
    return 0;
  } catch (error) {
    const code = PalisadeError.isInstance(error) ? (error as PalisadeError).code : 'ERR_UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    if (values.json) io.stdout(`${JSON.stringify({ valid: false, code, message })}\n`);
    io.stderr(`palisade token: refused (${code}): ${message}\n`);
    return 1;
  }
}

/** `palisade token`: issue, inspect and verify agent tokens. */
export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr(`palisade token: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  try {
    if (parsed.command === 'issue') return await issue(parsed.values, io);
    if (parsed.command === 'inspect') return inspect(parsed.token, parsed.values, io);
    return await verify(parsed.token, parsed.values, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      io.stderr(`palisade token: ${message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const code = PalisadeError.isInstance(error) ? ` (${(error as PalisadeError).code})` : '';
    io.stderr(`palisade token: ${parsed.command} failed${code}: ${message}\n`);
    return 1;
  }
}
