import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { type FileHandle, open, readFile, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  AuditChainConflictError,
  type AuditChainHead,
  type AuditChainLine,
  type AuditChainState,
  type AuditChainStore,
} from '@palisade/core';

/** Options of `createFileChainStore`. */
export interface FileChainStoreOptions {
  /** The JSON-lines log. Signed checkpoints are also anchored in `<path>.anchors`. */
  readonly path: string;
}

/**
 * Creates the embedded audit chain store: one canonical JSON record per line in a local file,
 * appended with a single write per batch and `fdatasync` when a record must be durable. A lock file
 * (`<path>.lock`, holding the writer's pid) keeps a second writer out, since two processes appending
 * to one file would break the chain; use the Postgres store when several replicas write one log.
 * Reading (`read`, `anchors`) takes no lock, so a log can be verified while it is written.
 *
 * @example
 * ```ts
 * const chain = createAuditChain({ store: createFileChainStore({ path: '.palisade/audit.jsonl' }) });
 * ```
 */
export function createFileChainStore(options: FileChainStoreOptions): AuditChainStore {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.path !== 'string' ||
    options.path === ''
  ) {
    throw new TypeError('createFileChainStore(): options.path must be a non-empty string');
  }
  const path = resolve(options.path);
  const anchorPath = `${path}.anchors`;
  const lockPath = `${path}.lock`;
  let handle: FileHandle | undefined;
  let anchorHandle: FileHandle | undefined;
  let locked = false;
  let nextSequence = 0;

  async function lock(): Promise<void> {
    if (locked) return;
    mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const file = await open(lockPath, 'wx');
        await file.writeFile(String(process.pid));
        await file.close();
        locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
          throw new Error(
            `The audit log ${path} is being written by process ${holder} (lock file ${lockPath})`,
          );
        }
        // The writer that held the lock is gone: the lock is stale.
        await unlink(lockPath).catch(() => undefined);
      }
    }
    throw new Error(`Could not lock the audit log ${path}`);
  }

  return {
    async open({ recentKeys }): Promise<AuditChainState> {
      await lock();
      const scan = await scanTail(path, recentKeys);
      nextSequence = scan.head ? scan.head.sequence + 1 : 0;
      if (!handle) {
        const existed = existsSync(path);
        handle = await open(path, 'a');
        if (!existed) await syncDirectory(dirname(path));
      }
      return scan;
    },
    async append(lines: readonly AuditChainLine[], { durable }): Promise<void> {
      if (!handle) throw new Error('createFileChainStore(): append before open');
      const first = lines[0];
      if (first && first.sequence !== nextSequence) throw new AuditChainConflictError(first.sequence);
      if (lines.length > 0) {
        await handle.appendFile(encodeLines(lines));
        nextSequence += lines.length;
      }
      if (durable) await handle.datasync();
    },
    read(): AsyncIterable<string> {
      return readLines(path);
    },
    async anchor(line: string): Promise<void> {
      if (!anchorHandle) {
        const existed = existsSync(anchorPath);
        anchorHandle = await open(anchorPath, 'a');
        if (!existed) await syncDirectory(dirname(anchorPath));
      }
      await anchorHandle.appendFile(`${line}\n`, 'utf8');
      await anchorHandle.datasync();
    },
    anchors(): AsyncIterable<string> {
      return readLines(anchorPath);
    },
    async close(): Promise<void> {
      const open = [handle, anchorHandle];
      handle = undefined;
      anchorHandle = undefined;
      for (const file of open) await file?.close();
      if (locked) {
        locked = false;
        await unlink(lockPath).catch(() => undefined);
      }
    },
  };
}

/**
 * The batch as one UTF-8 buffer, each line followed by a newline. Encoding line by line into one
 * buffer skips building (and then flattening) a string as long as the whole batch.
 */
function encodeLines(lines: readonly AuditChainLine[]): Buffer {
  let bound = 0;
  // A UTF-16 code unit takes at most 3 bytes in UTF-8.
  for (const line of lines) bound += line.line.length * 3 + 1;
  const buffer = Buffer.allocUnsafe(bound);
  let offset = 0;
  for (const line of lines) {
    offset += buffer.write(line.line, offset, 'utf8');
    buffer[offset] = 0x0a;
    offset += 1;
  }
  return buffer.subarray(0, offset);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDirectory(directory: string): Promise<void> {
  // A new file is durable only once the directory entry is; some platforms cannot fsync a directory.
  const dir = await open(directory, 'r').catch(() => undefined);
  if (!dir) return;
  try {
    await dir.sync();
  } catch {
    // EINVAL / EISDIR on platforms without directory fsync: nothing more can be done there.
  } finally {
    await dir.close();
  }
}

/** Every line of a file (none when it does not exist), the last one even without a newline. */
async function* readLines(path: string): AsyncIterable<string> {
  if (!existsSync(path)) return;
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) yield line;
}

/**
 * Finds the head and the most recent keys. A writer must not extend a damaged log, so an unreadable
 * line or a last line cut short fails the open; `palisade audit verify` says where.
 */
async function scanTail(path: string, recentKeys: number): Promise<AuditChainState> {
  if (!existsSync(path)) return { head: undefined, recentKeys: [] };
  const keys: string[] = [];
  let head: AuditChainHead | undefined;
  let number = 0;
  for await (const line of readLines(path)) {
    number += 1;
    let record: { seq?: unknown; hash?: unknown; key?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new Error(`The audit log ${path} is damaged at line ${number}; run \`palisade audit verify\``);
    }
    if (typeof record.seq !== 'number' || typeof record.hash !== 'string') {
      throw new Error(`The audit log ${path} is damaged at line ${number}; run \`palisade audit verify\``);
    }
    head = { sequence: record.seq, hash: record.hash };
    if (typeof record.key === 'string' && recentKeys > 0) {
      keys.push(record.key);
      if (keys.length > recentKeys * 2) keys.splice(0, keys.length - recentKeys);
    }
  }
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        throw new Error(`The audit log ${path} ends in a partial record; run \`palisade audit verify\``);
      }
    }
  } finally {
    await handle.close();
  }
  return { head, recentKeys: keys.slice(-recentKeys) };
}
