import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportSigningKey, generateSigningKey, importSigningKey, type SigningKey } from '@palisade/identity';
import { type CliIo, EXIT_USAGE } from '../io.js';
import { UsageError } from './agents.js';

const USAGE = `Usage: palisade keys <generate|jwks> [options]

  generate             a new signing key for agent tokens
  jwks <file>...       the public JWKS of private key files (publish it for verifiers)

Options (generate):
  --alg <EdDSA|ES256>  algorithm (default EdDSA, Ed25519)
  --kid <kid>          key id (default: the RFC 7638 thumbprint)
  --out <file>         write the private JWK there (mode 0600) and print the public JWKS;
                       without --out the private JWK is printed
  --force              overwrite --out if it exists
`;

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      alg: { type: 'string' },
      kid: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help' as const;
  const [command, ...files] = positionals;
  if (command !== 'generate' && command !== 'jwks') {
    throw new UsageError(command === undefined ? 'missing subcommand' : `unknown subcommand "${command}"`);
  }
  if (command === 'generate') {
    if (files.length > 0) throw new UsageError(`unexpected argument "${files[0]}"`);
    if (values.alg !== undefined && values.alg !== 'EdDSA' && values.alg !== 'ES256') {
      throw new UsageError(`--alg must be EdDSA or ES256, got "${values.alg}"`);
    }
    if (values.kid !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(values.kid)) {
      throw new UsageError('--kid must be 1-128 characters of [A-Za-z0-9._:-]');
    }
  } else if (files.length === 0) {
    throw new UsageError('jwks needs at least one private key file');
  }
  return { command, files, values };
}

/** Reads a private JWK file written by `palisade keys generate`. */
export async function readSigningKey(file: string, io: CliIo, option: string): Promise<SigningKey> {
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return await importSigningKey(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `palisade keys`: generate signing keys and publish their JWKS. */
export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parse(args);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (parsed.command === 'jwks') {
      const keys = await Promise.all(parsed.files.map((file) => readSigningKey(file, io, 'key file')));
      io.stdout(`${JSON.stringify({ keys: keys.map((key) => key.publicJwk) }, null, 2)}\n`);
      return 0;
    }
    const key = await generateSigningKey({
      alg: parsed.values.alg as 'EdDSA' | 'ES256' | undefined,
      kid: parsed.values.kid,
    });
    const privateJwk = `${JSON.stringify(exportSigningKey(key), null, 2)}\n`;
    if (parsed.values.out === undefined) {
      io.stdout(privateJwk);
      return 0;
    }
    const path = isAbsolute(parsed.values.out) ? parsed.values.out : resolve(io.cwd, parsed.values.out);
    try {
      await writeFile(path, privateJwk, { mode: 0o600, flag: parsed.values.force ? 'w' : 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--out ${parsed.values.out}: ${code === 'EEXIST' ? 'exists (use --force to overwrite)' : String(code)}`,
      );
    }
    io.stderr(`Private key ${key.kid} (${key.alg}) written to ${path}; keep it secret.\n`);
    io.stdout(`${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
    return 0;
  } catch (error) {
    io.stderr(`palisade keys: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
}
