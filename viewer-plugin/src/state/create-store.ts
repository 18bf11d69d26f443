export interface Store<S, A> {
  readonly state: S;
  dispatch(action: A): void;
  /** Called after every dispatch that changed the state; returns the function that unsubscribes. */
  subscribe(listener: (state: S) => void): () => void;
}

export interface CreateStoreOptions<S, A> {
  initial: S;
  reduce: (state: S, action: A) => S;
}

/** Holds the one state object; a reducer that returns the same object means nothing changed, and nobody is told. */
export function createStore<S, A>(options: CreateStoreOptions<S, A>): Store<S, A> {
  let state = options.initial;
  const listeners = new Set<(state: S) => void>();
  return {
    get state() {
      return state;
    },
    dispatch(action) {
      const next = options.reduce(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
