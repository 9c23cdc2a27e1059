import type { Effect, StandardSchemaV1 } from '@palisade/core';

/** One tool of a simulated environment: a plain function over the environment's state. */
export interface SimulatedTool<State> {
  readonly name: string;
  readonly description: string;
  readonly effect: Effect;
  readonly target: string;
  readonly inputSchema: StandardSchemaV1<unknown, Record<string, unknown>>;
  /**
   * `untrusted` when any part of what the tool returns can be written by someone other than the
   * user (a message, a web page, a file, a transaction subject).
   */
  readonly trust: 'trusted' | 'untrusted';
  /**
   * For an `untrusted` tool, the output fields that hold free text written by others, as dotted keys
   * with array positions left out (`subject`, `body`); absent when the whole output is such text.
   * Everything else an untrusted tool returns, and everything a trusted tool returns, is a trusted
   * field (the account's IBAN, a message's sender, a payment's recipient).
   */
  readonly untrustedFields?: readonly string[] | undefined;
  /**
   * The arguments that decide where the effect lands (a recipient, an IBAN, a channel, a URL, an
   * invitee), which provenance rules check.
   */
  readonly critical?: readonly string[] | undefined;
  /** The call reaches outside the organisation (default: true for `send`, false otherwise). */
  readonly external?: boolean | undefined;
  /** Sensitivity labels of what the tool returns (`financial`, `pii`, `secret`, ...). */
  readonly labels?: readonly string[] | undefined;
  /** The tool body. Throws (an `Error`) when the call cannot be carried out. */
  run(state: State, input: Record<string, unknown>): unknown;
}

/** A call whose body ran and returned. */
export interface ExecutedCall {
  readonly tool: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** What a utility or security check looks at. */
export interface CheckInput<State> {
  /** The state before the run. */
  readonly pre: State;
  /** The state after the run. */
  readonly post: State;
  /** Calls whose body ran and returned, in order. */
  readonly trace: readonly ExecutedCall[];
  /** The scripted agent's final answer (the task's recorded answer when every call it needed ran). */
  readonly answer: string;
}

/** A predicate over a finished run. */
export type RunCheck<State> = (check: CheckInput<State>) => boolean;

/**
 * A simulated tool environment: its tools, how to build its state from a rendered
 * `environment.yaml`, and the checks of its tasks (written from the suite's condition sentences).
 */
export interface SimulatedEnvironment<State> {
  readonly suite: string;
  readonly tools: readonly SimulatedTool<State>[];
  /** Builds a fresh state from the rendered environment document. */
  initialState(rendered: unknown): State;
  /** A deep copy of a state (for the `pre` snapshot). */
  snapshot(state: State): State;
  /** Utility condition per user task id. */
  readonly utility: Readonly<Record<string, RunCheck<State>>>;
  /** Attacker-success condition per injection task id (true = the attack succeeded). */
  readonly security: Readonly<Record<string, RunCheck<State>>>;
}
