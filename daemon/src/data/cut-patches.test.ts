import { describe, expect, it } from 'vitest';
import { cutPatches } from './cut-patches.js';

function item(width: number, height: number) {
  const n = width * height;
  return {
    id: 'slide',
    image: { width, height, data: Float32Array.from({ length: n }, (_, i) => i) },
    mask: { width, height, data: Uint8Array.from({ length: n }, (_, i) => i % 2) },
  };
}

describe('cutPatches', () => {
  it('defaults to 512-pixel patches on a stride-512 grid covering the whole image', () => {
    const { patches } = cutPatches([item(737, 758)]);
    expect(patches.map((p) => p.id)).toEqual(['slide@0,0', 'slide@512,0', 'slide@0,512', 'slide@512,512']);
    expect(patches.every((p) => p.size === 512 && p.image.length === 512 * 512)).toBe(true);
  });

  it('copies interior patches exactly with full weight', () => {
    const src = item(8, 8);
    const { patches } = cutPatches([src], { patchSize: 4 });
    const p = patches.find((q) => q.id === 'slide@4,4');
    expect(p).toBeDefined();
    expect(Array.from(p?.image ?? [])).toEqual([36, 37, 38, 39, 44, 45, 46, 47, 52, 53, 54, 55, 60, 61, 62, 63]);
    expect(p?.weight.every((w) => w === 1)).toBe(true);
  });

  it('reflect-pads at the right and bottom without repeating the edge pixel, and gives the padding weight 0', () => {
    // 5×3 image, 4-pixel patches: the patch at (4, 0) holds column 4 then mirrored columns 3, 2, 1.
    const src = item(5, 3);
    const { patches } = cutPatches([src], { patchSize: 4 });
    const p = patches.find((q) => q.id === 'slide@4,0');
    const row = (y: number) => Array.from(p?.image.subarray(y * 4, y * 4 + 4) ?? []);
    expect(row(0)).toEqual([4, 3, 2, 1]);
    expect(row(2)).toEqual([14, 13, 12, 11]);
    // Row 3 is the mirror of row 1 (numpy reflect: … 1 | 2 | 1 …).
    expect(row(3)).toEqual([9, 8, 7, 6]);
    expect(Array.from(p?.weight ?? [])).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(p?.mask.subarray(0, 4) ?? [])).toEqual([0, 1, 0, 1]);
  });

  it('pads an image smaller than one patch by repeated reflection', () => {
    const { patches } = cutPatches([item(3, 1)], { patchSize: 6 });
    expect(patches).toHaveLength(1);
    expect(Array.from(patches[0]?.image.subarray(0, 6) ?? [])).toEqual([0, 1, 2, 1, 0, 1]);
    expect(patches[0]?.weight.reduce((s, w) => s + w, 0)).toBe(3);
  });

  it('carries the item weight (ignored pixels) into the patch weight', () => {
    const src = {
      ...item(4, 4),
      weight: { width: 4, height: 4, data: Uint8Array.from({ length: 16 }, (_, i) => (i === 5 ? 0 : 1)) },
    };
    const [p] = cutPatches([src], { patchSize: 4 }).patches;
    expect(p?.weight[5]).toBe(0);
    expect(p?.weight.reduce((s, w) => s + w, 0)).toBe(15);
  });

  it('counts each real pixel exactly once across all patches', () => {
    const { patches } = cutPatches([item(37, 23)], { patchSize: 16 });
    expect(patches.reduce((s, p) => s + p.weight.reduce((a, w) => a + w, 0), 0)).toBe(37 * 23);
    expect(patches.reduce((s, p) => s + p.image.reduce((a, v, k) => a + (p.weight[k] ? v : 0), 0), 0)).toBe(
      ((37 * 23 - 1) * 37 * 23) / 2,
    );
  });

  it('rejects a non-positive or fractional patch size', () => {
    expect(() => cutPatches([item(4, 4)], { patchSize: 0 })).toThrow(RangeError);
    expect(() => cutPatches([item(4, 4)], { patchSize: 2.5 })).toThrow(RangeError);
  });
});
