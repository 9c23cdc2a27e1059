/**
 * The shape of one attack of the security review (issue 12), run by `attack-matrix.test.ts`.
 *
 * To add an attack: create `test/security/attacks/<name>.ts` exporting `attacks`, a list of
 * scenarios. Each scenario uses only public entry points (`@palisade/*`), does what an attacker
 * would, and reports whether the defence held. The matrix imports every file in `attacks/` on its
 * own, so nothing else needs editing.
 *
 * ```ts
 * import { defineAttack } from '../attack-scenario.js';
 * export const attacks = [
 *   defineAttack({
 *     name: 'reason-echoes-input',
 *     item: 6,
 *     summary: 'a denied call with a secret in its input gets the secret back in the reason',
 *     async run() {
 *       const reason = await decideSomething();
 *       return reason.includes(SECRET) ? broken('the reason quotes the secret') : held();
 *     },
 *   }),
 * ];
 * ```
 */

/** What an attack found. */
export type AttackVerdict =
  | { readonly held: true }
  | { readonly held: false /** What got through, for the failure message. */; readonly detail: string };

/** One attack scenario. */
export interface AttackScenario {
  /** kebab-case, unique across all files; printed as `attack <name> held|broken`. */
  readonly name: string;
  /** The item of issue 12 the attack belongs to (1..13), or 0 for one outside the list. */
  readonly item: number;
  /** One sentence: what the attacker does and what they would gain. */
  readonly summary: string;
  /** Runs the attack against fresh objects (no shared state between scenarios). */
  run(): Promise<AttackVerdict>;
  /**
   * Set when the attack needs a service that may be absent (Postgres, Redis): returns why it is
   * skipped, or `undefined` to run.
   */
  readonly skip?: (() => Promise<string | undefined>) | undefined;
}

/** The defence held. */
export function held(): AttackVerdict {
  return { held: true };
}

/** The attack got through; `detail` says how. */
export function broken(detail: string): AttackVerdict {
  return { held: false, detail };
}

/** Checks a scenario's fields once, where it is declared. */
export function defineAttack(scenario: AttackScenario): AttackScenario {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(scenario.name)) {
    throw new TypeError(`attack name "${scenario.name}" must be kebab-case`);
  }
  if (!Number.isInteger(scenario.item) || scenario.item < 0 || scenario.item > 13) {
    throw new TypeError(`attack "${scenario.name}": item must be 0..13`);
  }
  return Object.freeze(scenario);
}
