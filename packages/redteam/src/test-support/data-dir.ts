import { fileURLToPath } from 'node:url';
import { hasSuite } from '../load-suite.js';

/**
 * Where the suites are: `PALISADE_DATA_DIR/agentdojo`, else `../shared/data/agentdojo` next to the
 * repository. Tests that need them skip with a message when they are absent.
 */
export const AGENTDOJO_DIR = process.env.PALISADE_DATA_DIR
  ? `${process.env.PALISADE_DATA_DIR}/agentdojo`
  : fileURLToPath(new URL('../../../../../shared/data/agentdojo', import.meta.url));

/** True when both suites are readable; otherwise says so once. */
export function suitesPresent(): boolean {
  const present = hasSuite(AGENTDOJO_DIR, 'banking') && hasSuite(AGENTDOJO_DIR, 'slack');
  if (!present) {
    process.stderr.write(
      `SKIPPED: the AgentDojo suites are not in ${AGENTDOJO_DIR} (set PALISADE_DATA_DIR)\n`,
    );
  }
  return present;
}
