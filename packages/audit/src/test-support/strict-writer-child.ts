/**
 * A writer the crash test kills: appends durable records from `callers` concurrent callers to the
 * file chain at argv[2], and prints the sequence of each append once it has resolved (the point at
 * which strict mode lets a tool body run).
 */
import { createAuditChain } from '../audit-chain.js';
import { createFileChainStore } from '../file-chain-store.js';

const path = process.argv[2] as string;
const callers = Number(process.argv[3] ?? 10);
const chain = createAuditChain({ store: createFileChainStore({ path }) });

async function caller(id: number): Promise<never> {
  for (let call = 0; ; call += 1) {
    const receipt = await chain.append(
      { type: 'intent', key: `intent:${id}:${call}`, data: { caller: id, call } },
      { durable: true },
    );
    if (receipt.status === 'appended') process.stdout.write(`${receipt.sequence}\n`);
  }
}

for (let id = 0; id < callers; id += 1) void caller(id);
