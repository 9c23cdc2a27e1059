import type { CliCommand } from './io.js';

/** One command group: loaded only when invoked, so `palisade keys` never loads the Postgres driver. */
export interface CommandGroup {
  readonly summary: string;
  readonly load: () => Promise<{ run: CliCommand }>;
}

/** The CLI's command groups, by first word. */
export const COMMANDS: Readonly<Record<string, CommandGroup>> = {
};
