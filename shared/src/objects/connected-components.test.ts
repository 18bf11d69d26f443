import { describe, expect, it } from 'vitest';
import { connectedComponents } from './connected-components.js';

const mask = (rows: string[]) => ({
  width: rows[0]?.length ?? 0,
  height: rows.length,
  data: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)),
});

describe('connectedComponents', () => {
  const m = mask(['#..#', '.#..', '....', '##.#']);

  it('joins diagonal neighbours with 8-connectivity but not with 4-connectivity', () => {
    expect(connectedComponents(m).count).toBe(4);
    expect(connectedComponents(m, { connectivity: 4 }).count).toBe(5);
  });

  it('drops components under minSize and relabels the rest densely', () => {
    const r = connectedComponents(m, { minSize: 2 });
    expect(r.count).toBe(2);
    expect([...r.sizes].sort()).toEqual([2, 2]);
    expect(Math.max(...r.labels)).toBe(2);
    expect(r.labels[3]).toBe(0);
  });

  it('finds no components in an empty mask', () => {
    expect(connectedComponents(mask(['...', '...'])).count).toBe(0);
  });
});
