import { describe, expect, it } from 'vitest';
import { createByteLru } from './byte-lru.js';

describe('createByteLru', () => {
  it('drops the least recently used values until the bytes fit, a get counting as a use', () => {
    const lru = createByteLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C', 4); // 12 > 10: b, the least recently used, goes
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.get('c')).toBe('C');
  });

  it('replaces a key without counting it twice, and never keeps a value larger than the budget', () => {
    const lru = createByteLru<string>(10);
    lru.set('a', 'A1', 6);
    lru.set('a', 'A2', 6);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A2');
    expect(lru.get('b')).toBe('B');
    lru.set('huge', 'H', 11);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('a')).toBe('A2');
  });
});
