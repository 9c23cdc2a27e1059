import { COMMANDS } from './commands.js';
import { type CliIo, EXIT_USAGE } from './io.js';
import { PACKAGE_VERSION } from './version.js';

/** Runs the CLI with `argv` (without the node and script paths); resolves with the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [group, ...rest] = argv;
  if (group === '--version' || group === '-v' || group === 'version') {
    io.stdout(`${PACKAGE_VERSION}\n`);
    return 0;
  }
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
  return `Usage: palisade <command> [options]\n       palisade --version\n\nCommands:\n${lines.join('\n')}\n`;
}

/**
 * Runs the CLI as a process: real stdio, the exit code on `process.exitCode`. Node's
 * `ExperimentalWarning`s (the embedded `node:sqlite` store emits one) are dropped so that command
 * output stays clean; every other warning is still printed.
 */
export function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'ExperimentalWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
  return main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`palisade: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
