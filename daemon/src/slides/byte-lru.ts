/**
 * A least-recently-used map bounded by bytes, not entries: the memory caches of decoded slide blocks and rendered
 * tiles, whose values differ in size. A value larger than the whole budget is not kept.
 */
export interface ByteLru<V> {
  /** The value, now the most recently used; undefined when absent. */
  get(key: string): V | undefined;
  /** Stores `value` as `bytes` long, dropping the least recently used values until the total fits the budget. */
  set(key: string, value: V, bytes: number): void;
}

export function createByteLru<V>(budgetBytes: number): ByteLru<V> {
  // Map order is insertion order: re-inserting on every use makes the first key the least recently used.
  const entries = new Map<string, { value: V; bytes: number }>();
  let held = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    held -= entry.bytes;
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, bytes) {
      remove(key);
      if (bytes > budgetBytes) return;
      entries.set(key, { value, bytes });
      held += bytes;
      for (const oldest of entries.keys()) {
        if (held <= budgetBytes) break;
        remove(oldest);
      }
    },
  };
}
