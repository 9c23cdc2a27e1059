import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  type CredentialVerifier,
  type Decider,
  type Decision,
  type Effect,
  type Enforcement,
  type GuardedTool,
  guard,
  type Principal,
  type StandardSchemaV1,
} from '@palisade/core';

export const PRINCIPAL: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot', name: 'support-bot' },
  user: { id: 'alice', roles: ['support', 'refunds'], tenant: 'acme' },
  delegation: ['alice', 'spiffe://acme.example/agent/support-bot'],
  scopes: ['tickets'],
  task: 'T-42',
  tokenId: 'jti-1',
  claims: {},
};

export const verifier: CredentialVerifier = {
  async verify(credential) {
    if (credential !== 'good-token') throw new Error('bad credential');
    return PRINCIPAL;
  },
};

export function decision(effect: Decision['effect'], ruleIds: string[] = ['rule-1']): Decision {
  return { effect, reason: `${effect} by test`, ruleIds, policyVersion: 'sha256:abc', obligations: [] };
}

/** Decides by tool name: anything in `deny` is denied, everything else allowed. */
export function deciderFor(rules: { deny?: string[]; approve?: string[] } = {}): Decider {
  return {
    async decide(request) {
      if (rules.deny?.includes(request.name)) return decision('deny', ['no-writes']);
      if (rules.approve?.includes(request.name)) return decision('approve', ['big-refund']);
      return decision('allow', ['read-ok']);
    },
  };
}

/** A Standard Schema that accepts any object. */
export const anyObject: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      return typeof value === 'object' && value !== null
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'expected an object' }] };
    },
  },
};

export function tool<Output>(
  name: string,
  effect: Effect,
  enforcement: Enforcement,
  execute: (input: Record<string, unknown>) => Output | Promise<Output>,
  kind?: 'tool' | 'retrieval',
): GuardedTool<Record<string, unknown>, Output> {
  return guard(
    { name, description: `${name} tool`, inputSchema: anyObject, effect, kind, execute },
    enforcement,
  );
}

/** An SDK tracer provider that keeps finished spans in memory. */
export function memoryTracing(): {
  provider: TracerProvider;
  exporter: InMemorySpanExporter;
} {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { provider, exporter };
}

/** An AsyncLocalStorage context manager, so active spans follow awaits (as sdk-node sets up). */
export function enableAsyncContext(): () => void {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (ctx, target) =>
      typeof target === 'function'
        ? (((...args: unknown[]) =>
            storage.run(ctx, () => (target as (...a: unknown[]) => unknown)(...args))) as typeof target)
        : target,
    enable() {
      return manager;
    },
    disable() {
      storage.disable();
      return manager;
    },
  };
  context.setGlobalContextManager(manager);
  return () => context.disable();
}
