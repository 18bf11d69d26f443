import { describe, expect, it } from 'vitest';
import { patchId } from './patch-id.js';

describe('patchId', () => {
  it('joins the source and origin so equal patches get equal ids and different origins differ', () => {
    expect(patchId('slide-3', 512, 1024)).toBe('slide-3@512,1024');
    expect(patchId('s', 1, 2)).toBe(patchId('s', 1, 2));
    expect(patchId('s', 12, 3)).not.toBe(patchId('s', 1, 23));
  });
});
