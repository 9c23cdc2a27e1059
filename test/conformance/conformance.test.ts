import { ApprovalDeniedError, type CallRecord } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { runAiSdk } from './run-ai-sdk.js';
import { runLangChain } from './run-langchain.js';
import { runMcp } from './run-mcp.js';
import {
  type ConformanceSetup,
  EXPECTED,
  EXPECTED_WORLD,
  groupByCallId,
  outcomes,
  POLICY,
  SCENARIO,
  type StepOutcome,
} from './scenario.js';

interface Run {
  readonly setup: ConformanceSetup;
  readonly groups: ReadonlyMap<string, readonly CallRecord[]>;
  readonly steps: StepOutcome[];
}

function runFrom(setup: ConformanceSetup, groups: ReadonlyMap<string, readonly CallRecord[]>): Run {
  return { setup, groups, steps: outcomes(groups) };
}

const runs: Record<string, () => Promise<Run>> = {
  langchain: async () => {
    const { setup, records } = await runLangChain();
    return runFrom(setup, groupByCallId(records));
  },
  'ai-sdk': async () => {
    const { setup, records } = await runAiSdk();
    return runFrom(setup, groupByCallId(records));
  },
  'mcp (server guard)': async () => {
    const { setup, groups } = await runMcp('server');
    return runFrom(setup, groups);
  },
  'mcp (client guard)': async () => {
    const { setup, groups } = await runMcp('client');
    return runFrom(setup, groups);
  },
};

/** Each framework runs the scenario once, whichever tests ask for it. */
const started = new Map<string, Promise<Run>>();
function runOf(framework: string): Promise<Run> {
  let run = started.get(framework);
  if (!run) {
    run = runs[framework]!();
    started.set(framework, run);
  }
  return run;
}

describe('one policy, one scenario, every framework', () => {
  it.each(Object.keys(runs))('%s reaches the expected decisions and side effects', async (framework) => {
    const run = await runOf(framework);

    expect(run.steps).toEqual(EXPECTED);
    expect(run.setup.world).toEqual(EXPECTED_WORLD);
    // Every decision names the same policy version, agent and user.
    const version = (run.setup.palisade.decider as { version?: string }).version;
    for (const record of run.setup.recorder.records) {
      expect(record.decision?.policyVersion).toBe(version);
      expect(record.request?.principal.agent.id).toBe('spiffe://acme.example/agent/support-bot');
      expect(record.request?.principal.user?.id).toBe('alice');
    }
  });

  it.each(Object.keys(runs))(
    '%s records a refused approval once, as an ApprovalDeniedError',
    async (framework) => {
      const run = await runOf(framework);
      const refused = SCENARIO.filter((step) => step.review === 'refuse');
      expect(refused.length).toBeGreaterThan(0);
      for (const step of refused) {
        const records = run.groups.get(step.id) ?? [];
        const denied = records.filter((record) => record.outcome?.status === 'denied');
        expect(denied).toHaveLength(1);
        expect(records.at(-1)).toBe(denied[0]);
        const error = (denied[0]!.outcome as { error: unknown }).error;
        expect(ApprovalDeniedError.isInstance(error)).toBe(true);
        expect(denied[0]!.decision?.effect).toBe('approve');
      }
    },
  );

  it('produces the identical sequence of decisions and final outcomes in every framework', async () => {
    const frameworks = Object.keys(runs);
    const results = await Promise.all(
      frameworks.map(async (framework) => [framework, await runOf(framework)] as const),
    );
    const sequences = results.map(([framework, run]) => ({
      framework,
      decisions: run.steps.map((step) => `${step.tool}:${step.decision}:${step.rules.join('+')}`),
      executed: run.steps.map((step) => step.executed),
      final: run.steps.map((step) => `${step.step}:${step.final}`),
      world: run.setup.world,
    }));
    const [reference, ...others] = sequences;
    for (const other of others) {
      expect({ ...other, framework: reference!.framework }).toEqual(reference);
    }
    expect(new Set(POLICY.rules.map((rule) => rule.id))).toEqual(
      new Set(reference!.decisions.flatMap((decision) => decision.split(':')[2]!.split('+'))),
    );
  });
});
