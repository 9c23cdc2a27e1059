import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, context, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * The real OpenTelemetry SDK with spans kept in memory and an AsyncLocalStorage context manager
 * (as `@opentelemetry/sdk-node` sets up). `close()` restores the global context manager.
 */
export function memoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable: () => manager,
    disable() {
      storage.disable();
      return manager;
    },
  };
  context.setGlobalContextManager(manager);
  return {
    provider,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    close: () => context.disable(),
  };
}

/** The span's parent span id, if any. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
