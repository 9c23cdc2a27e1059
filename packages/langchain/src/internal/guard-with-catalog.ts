import type { ToolCall } from '@langchain/core/messages/tool';
import { type ClientTool, type StructuredTool, Tool, type ToolRunnableConfig } from '@langchain/core/tools';
import type { Enforcement } from '@palisade/core';
import { answeredToolMessage } from './answered-tool-message.js';
import { createCallJournal, graphTaskOf } from './call-journal.js';
import { type CallDefinition, createCallRunner } from './call-runner.js';
import { deniedToolMessage } from './denied-tool-message.js';
import { isGuardedTool } from './guarded-marker.js';
import { GuardedStructuredTool } from './guarded-structured-tool.js';
import { type OutcomeJournal, type ReviewSettings, runGuardedCall } from './run-guarded-call.js';
import type { ToolCatalog } from './tool-catalog.js';

/** How many calls a guarded tool remembers for re-runs after an interrupt. */
const JOURNAL_SIZE = 1000;

/** Wraps one tool; `guardTool` and `guardTools` validate the options once and share the catalog. */
export function guardWithCatalog(
  tool: ClientTool,
  enforcement: Enforcement,
  catalog: ToolCatalog,
): StructuredTool {
  if (
    typeof tool !== 'object' ||
    tool === null ||
    typeof (tool as { invoke?: unknown }).invoke !== 'function'
  ) {
    throw new TypeError(
      'guardTool(): tool must be a LangChain tool (provider-executed tools cannot be guarded)',
    );
  }
  if (isGuardedTool(tool)) throw new TypeError(`guardTool(): "${tool.name}" is already guarded`);
  const name = tool.name;
  const effect = catalog.effectOf(name);
  if (effect === undefined) {
    throw new TypeError(
      `guardTool(): "${name}" has no effect in options.effects nor in the policy's tool catalog; every guarded tool must declare one`,
    );
  }
  const definition: CallDefinition = {
    name,
    description: tool.description ?? '',
    inputSchema: catalog.schemaFor(name, tool.schema),
    effect,
    kind: 'tool',
    target: catalog.targetOf(name),
  };
  // Built once, here: this validates the definition and the enforcement now, not at the first call.
  const runner = createCallRunner(enforcement, definition);

  const stringTool = tool instanceof Tool;
  const journal: OutcomeJournal = createCallJournal(JOURNAL_SIZE);
  const fields = tool as Partial<StructuredTool>;

  async function invocation(args: unknown, config: ToolRunnableConfig, toolCall: ToolCall | undefined) {
    const { toolCall: _omit, ...forward } = config;
    const configurable = config.configurable as Record<string, unknown> | undefined;
    const source = { context: config.context, configurable };
    const review: ReviewSettings = {
      service: catalog.reviewService,
      reviewer: () => reviewerOf(catalog, source),
      allowed: catalog.allowedDecisions,
    };
    const outcome = await runGuardedCall({
      enforcement,
      runner,
      // String tools accept a bare string, which they turn into `{ input }` before validating.
      args: stringTool && (typeof args === 'string' || args === undefined) ? { input: args } : args,
      toolCallId: toolCall?.id,
      graphTask: graphTaskOf(configurable),
      context: () => {
        const context = catalog.resolveContext({
          ...source,
          toolCall: toolCall && { id: toolCall.id, name: toolCall.name, args: toolCall.args },
        });
        return { ...context, signal: context.signal ?? config.signal };
      },
      // The wrapped tool runs once, on the arguments as sent (or as a reviewer edited them), and
      // parses them itself, as it always did.
      execute: (sent) => () => tool.invoke(toolCall ? { ...toolCall, args: sent } : sent, forward),
      interrupt: graphInterruptOf(config),
      journal,
      review,
    });
    if (outcome.status === 'done') return outcome.value;
    if (toolCall) {
      // Agents invoke tools with a tool call: a refusal or a reviewer's answer is what the model reads.
      if (outcome.status === 'denied') return deniedToolMessage(outcome.error, toolCall);
      if (outcome.status === 'answered') return answeredToolMessage(outcome.content, outcome.error, toolCall);
    }
    throw outcome.error;
  }

  return new GuardedStructuredTool(
    {
      name,
      description: definition.description,
      schema: tool.schema,
      returnDirect: fields.returnDirect ?? false,
      responseFormat: fields.responseFormat ?? 'content',
      verboseParsingErrors: fields.verboseParsingErrors ?? false,
      metadata: fields.metadata,
      tags: fields.tags,
      extras: fields.extras,
    },
    invocation,
  );
}

/** The reviewer's credential, or nothing when it cannot be read (then no decision is recorded for it). */
export function reviewerOf(
  catalog: ToolCatalog,
  source: Parameters<ToolCatalog['reviewerOf']>[0],
): string | undefined {
  try {
    return catalog.reviewerOf(source);
  } catch {
    return undefined;
  }
}

/** LangGraph puts its `interrupt` on the config of every node it runs; outside a graph there is none. */
function graphInterruptOf(config: ToolRunnableConfig): ((value: unknown) => unknown) | undefined {
  const interrupt = (config as { interrupt?: unknown }).interrupt;
  return typeof interrupt === 'function' ? (interrupt as (value: unknown) => unknown) : undefined;
}
