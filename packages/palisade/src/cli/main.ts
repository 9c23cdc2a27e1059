#!/usr/bin/env node
import { COMMANDS } from './commands.js';
import { type CliIo, EXIT_USAGE } from './io.js';

/** Runs the CLI with `argv` (without the node and script paths); resolves with the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [group, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    io.stdout(usage());
    return group === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[group];
  if (!command) {
    io.stderr(`palisade: unknown command "${group}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const module = await command.load();
  return module.run(rest, io);
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, group]) => `  ${name.padEnd(10)} ${group.summary}`);
  return `Usage: palisade <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly || process.argv[1]?.endsWith('/palisade')) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`palisade: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
