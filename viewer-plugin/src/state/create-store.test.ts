import { describe, expect, it } from 'vitest';
import { createStore } from './create-store.js';

type Action = { type: 'add'; n: number } | { type: 'noop' };
const reduce = (s: { total: number }, a: Action) => (a.type === 'add' ? { total: s.total + a.n } : s);

describe('createStore', () => {
  it('tells subscribers about changes only, and stops telling them once unsubscribed', () => {
    const store = createStore({ initial: { total: 0 }, reduce });
    const seen: number[] = [];
    const off = store.subscribe((s) => seen.push(s.total));
    store.dispatch({ type: 'add', n: 2 });
    store.dispatch({ type: 'noop' });
    store.dispatch({ type: 'add', n: 3 });
    off();
    store.dispatch({ type: 'add', n: 1 });
    expect(seen).toEqual([2, 5]);
    expect(store.state.total).toBe(6);
  });
});
