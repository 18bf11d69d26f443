import { describe, expect, it } from 'vitest';
import { stepIndex } from './suggestion-cursor.js';

describe('stepIndex', () => {
  it('wraps both ways and starts at the ends when nothing is selected', () => {
    expect(stepIndex(0, 1, 3)).toBe(1);
    expect(stepIndex(2, 1, 3)).toBe(0);
    expect(stepIndex(0, -1, 3)).toBe(2);
    expect(stepIndex(-1, 1, 3)).toBe(0);
    expect(stepIndex(-1, -1, 3)).toBe(2);
    expect(stepIndex(0, 1, 0)).toBe(-1);
  });
});
