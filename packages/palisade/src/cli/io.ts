/** What a CLI command may touch, injected so commands can be tested without a process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A command group's entry point: resolves with the process exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;

/** Exit code for bad usage or bad input. */
export const EXIT_USAGE = 2;
