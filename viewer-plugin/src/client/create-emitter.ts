export type Listener<T> = (payload: T) => void;

export interface Emitter<EventMap extends object> {
  /** Adds a listener; returns the function that removes it (so `destroy()` can undo every `on`). */
  on<K extends keyof EventMap>(type: K, listener: Listener<EventMap[K]>): () => void;
  emit<K extends keyof EventMap>(type: K, payload: EventMap[K]): void;
  clear(): void;
}

/** Minimal typed event emitter; a listener that throws is reported and does not stop the others. */
export function createEmitter<EventMap extends object>(
  onListenerError: (err: unknown) => void = (err) => console.error(err),
): Emitter<EventMap> {
  const listeners = new Map<keyof EventMap, Set<Listener<never>>>();
  return {
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
      }
      set.add(listener as Listener<never>);
      return () => set.delete(listener as Listener<never>);
    },
    emit(type, payload) {
      for (const l of [...(listeners.get(type) ?? [])]) {
        try {
          (l as Listener<typeof payload>)(payload);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
