/** A minimal typed event emitter: listeners run in order; one that throws does not stop the others. */
export interface Emitter<Events extends Record<string, unknown>> {
  on<Name extends keyof Events>(name: Name, listener: (event: Events[Name]) => void): () => void;
  emit<Name extends keyof Events>(name: Name, event: Events[Name]): void;
}

/** Creates an emitter. Listener errors are contained so that observers can never change a decision. */
export function createEmitter<Events extends Record<string, unknown>>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<(event: never) => void>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as (event: never) => void);
      return () => {
        set.delete(listener as (event: never) => void);
      };
    },
    emit(name, event) {
      const set = listeners.get(name);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          (listener as (event: unknown) => void)(event);
        } catch {
          // An observer's failure is its own; the engine's decisions do not depend on listeners.
        }
      }
    },
  };
}
