import type { TraceContextExtractor, TraceContextInjector } from '../trace-context.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

const getter = {
  keys: (carrier: Readonly<Record<string, unknown>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, unknown>>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * Trace propagation through `@opentelemetry/api` when the application has it installed (it is an
 * optional peer dependency). Without it, calls go out and come in without trace context, which
 * changes what the traces show, never what is decided.
 */
export function createOpenTelemetryPropagation(): {
  inject: TraceContextInjector;
  extract: TraceContextExtractor;
} {
  let loading: Promise<OpenTelemetryApi | undefined> | undefined;
  const load = () => {
    loading ??= import('@opentelemetry/api').then(
      (api) => api,
      () => undefined,
    );
    return loading;
  };
  return {
    async inject(carrier) {
      const api = await load();
      api?.propagation.inject(api.context.active(), carrier);
    },
    async extract(carrier, run) {
      const api = await load();
      if (!api) return run();
      return api.context.with(api.propagation.extract(api.context.active(), carrier, getter), run);
    },
  };
}
