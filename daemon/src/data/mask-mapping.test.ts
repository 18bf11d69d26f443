import { describe, expect, it } from 'vitest';
import { DataError } from './data-error.js';
import { DEFAULT_MASK_MAPPING, type MaskMapping, mapMask, maskMappingPresets } from './mask-mapping.js';

const map = (values: number[], mapping: MaskMapping) =>
  mapMask(Uint8Array.from(values), mapping, { width: values.length, height: 1, sourcePath: 'masks/a.png' });

describe('mapMask with a threshold', () => {
  it('thresholds at 127 (strictly above is foreground) when no values are expected', () => {
    const r = map([0, 127, 128, 255], { kind: 'threshold', threshold: 127 });
    expect(Array.from(r.mask.data)).toEqual([0, 0, 1, 1]);
    expect(r.weight).toBeUndefined();
  });

  it('defaults to binary 0/255 and stops on a mask of other values, naming the file and the values', () => {
    expect(DEFAULT_MASK_MAPPING).toBe(maskMappingPresets.myelinBinary);
    const values = [...new Array(100).fill(0), ...new Array(40).fill(50), ...new Array(30).fill(127), 255];
    let error: unknown;
    try {
      map(values, DEFAULT_MASK_MAPPING);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('MASK_VALUES');
    expect((error as DataError).path).toBe('masks/a.png');
    expect((error as DataError).message).toContain('masks/a.png: 70 mask pixels have values other than 0/255');
    expect((error as DataError).message).toContain('50 (40 px), 127 (30 px)');
    expect((error as DataError).message).toContain('--mask-mapping');
  });

  it('the default tolerates up to 64 stray pixels per file and thresholds them', () => {
    const r = map([0, 255, ...new Array(64).fill(130)], DEFAULT_MASK_MAPPING);
    expect(r.mask.data.reduce((a, b) => a + b, 0)).toBe(65);
    expect(() => map([0, 255, ...new Array(65).fill(130)], DEFAULT_MASK_MAPPING)).toThrow(/130 \(65 px\)/);
  });

  it('myelinBinary maps the rat2 strays 130 and 233 to foreground without error', () => {
    const r = map([0, 130, 233, 255], maskMappingPresets.myelinBinary);
    expect(Array.from(r.mask.data)).toEqual([0, 1, 1, 1]);
  });
});

describe('mapMask with value lists', () => {
  it('axondeepsegCompositeMyelin: 127 and 128 are myelin, 0 and 255 (axon) background', () => {
    const r = map([0, 127, 128, 255], maskMappingPresets.axondeepsegCompositeMyelin);
    expect(Array.from(r.mask.data)).toEqual([0, 1, 1, 0]);
    expect(r.weight).toBeUndefined();
  });

  it('axondeepsegCompositeMyelin ignores a handful of stray values (rat2: 130, 233) instead of guessing', () => {
    const r = map([0, 128, 130, 233, 255], maskMappingPresets.axondeepsegCompositeMyelin);
    expect(Array.from(r.mask.data)).toEqual([0, 1, 0, 0, 0]);
    expect(Array.from(r.weight?.data ?? [])).toEqual([1, 1, 0, 0, 1]);
    expect(r.ignoredPixels).toBe(2);
  });

  it('raises MASK_VALUES naming the file, the values and their counts when unlisted pixels exceed the allowance', () => {
    const values = [...new Array(70).fill(200), 7, 7, 0, 128];
    let error: unknown;
    try {
      map(values, maskMappingPresets.axondeepsegCompositeMyelin);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('MASK_VALUES');
    expect((error as DataError).message).toContain('masks/a.png');
    expect((error as DataError).message).toContain('200 (70 px)');
    expect((error as DataError).message).toContain('7 (2 px)');
  });

  it('raises on any unlisted value by default', () => {
    expect(() => map([0, 255, 3], { kind: 'values', foreground: [255], background: [0] })).toThrow(/3 \(1 px\)/);
  });

  it('matches within the tolerance and ignores values equidistant from two classes', () => {
    const r = map([0, 63, 64, 65, 128, 191, 192, 255], maskMappingPresets.axondeepsegTestfilesMyelin);
    expect(Array.from(r.mask.data)).toEqual([0, 0, 0, 1, 1, 1, 0, 0]);
    expect(Array.from(r.weight?.data ?? [])).toEqual([1, 1, 0, 1, 1, 1, 1, 1]);
  });

  it('turns listed ignore values into weight 0 and mask 0', () => {
    const r = map([0, 1, 2], { kind: 'values', foreground: [1], background: [0], ignore: [2] });
    expect(Array.from(r.mask.data)).toEqual([0, 1, 0]);
    expect(Array.from(r.weight?.data ?? [])).toEqual([1, 1, 0]);
  });

  it("unlisted 'background' makes every value but the listed foreground background, without error", () => {
    const r = map([0, 50, 127, 128, 255], {
      kind: 'values',
      foreground: [127, 128],
      background: [],
      unlisted: 'background',
    });
    expect(Array.from(r.mask.data)).toEqual([0, 0, 1, 1, 0]);
    expect(r.weight).toBeUndefined();
  });

  it('isbiMembrane makes the dark membrane (0) the foreground', () => {
    const r = map([0, 255, 255, 0], maskMappingPresets.isbiMembrane);
    expect(Array.from(r.mask.data)).toEqual([1, 0, 0, 1]);
  });

  it('works on 16-bit label values', () => {
    const r = mapMask(
      Uint16Array.from([0, 1000, 65535]),
      { kind: 'values', foreground: [1000], background: [0, 65535] },
      {
        width: 3,
        height: 1,
        sourcePath: 'm.tif',
      },
    );
    expect(Array.from(r.mask.data)).toEqual([0, 1, 0]);
  });
});
