import { describe, expect, it } from 'vitest';
import { MaskCanvas } from './mask-canvas.js';

const region = { x: 100, y: 200, width: 10, height: 8 };

function rows(mask: MaskCanvas): string[] {
  const out: string[] = [];
  for (let y = 0; y < mask.height; y++) {
    out.push(Array.from(mask.data.subarray(y * mask.width, (y + 1) * mask.width)).join(''));
  }
  return out;
}

describe('MaskCanvas', () => {
  it('starts empty and rejects data of the wrong size', () => {
    expect(new MaskCanvas(region).countForeground()).toBe(0);
    expect(() => new MaskCanvas(region, new Uint8Array(3))).toThrow(/region needs 80/);
  });

  it('stamps a disc in absolute image coordinates', () => {
    const m = new MaskCanvas(region);
    const dirty = m.stampDisc({ x: 105, y: 204 }, 1.5, 1);
    expect(rows(m)).toEqual([
      '0000000000',
      '0000000000',
      '0000000000',
      '0000110000',
      '0000110000',
      '0000000000',
      '0000000000',
      '0000000000',
    ]);
    expect(m.get(104, 203)).toBe(1);
    expect(dirty).not.toBeNull();
    // Dirty rect bounds every painted pixel.
    expect(dirty!.x).toBeLessThanOrEqual(4);
    expect(dirty!.x + dirty!.width).toBeGreaterThanOrEqual(6);
  });

  it('a radius-r disc covers about π r² pixels; the eraser removes them again', () => {
    const m = new MaskCanvas({ x: 0, y: 0, width: 64, height: 64 });
    m.stampDisc({ x: 32, y: 32 }, 10, 1);
    expect(Math.abs(m.countForeground() - Math.PI * 100)).toBeLessThan(15);
    m.stampDisc({ x: 32, y: 32 }, 11, 0);
    expect(m.countForeground()).toBe(0);
  });

  it('clips discs at the region edge and ignores discs fully outside', () => {
    const m = new MaskCanvas(region);
    m.stampDisc({ x: 100, y: 200 }, 2, 1);
    expect(m.countForeground()).toBeGreaterThan(0);
    expect(m.stampDisc({ x: 0, y: 0 }, 3, 1)).toBeNull();
  });

  it('strokes a continuous line between sparse pointer positions', () => {
    const m = new MaskCanvas({ x: 0, y: 0, width: 40, height: 5 });
    m.strokeSegment({ x: 2, y: 2.5 }, { x: 38, y: 2.5 }, 1, 1);
    const middle = Array.from(m.data.subarray(2 * 40, 3 * 40));
    expect(middle.slice(2, 38).every((v) => v === 1)).toBe(true);
  });

  it('fills a polygon by pixel centres', () => {
    const m = new MaskCanvas(region);
    m.fillPolygon(
      [
        { x: 101, y: 201 },
        { x: 105, y: 201 },
        { x: 105, y: 204 },
        { x: 101, y: 204 },
      ],
      1,
    );
    expect(rows(m).slice(0, 5)).toEqual(['0000000000', '0111100000', '0111100000', '0111100000', '0000000000']);
    expect(m.countForeground()).toBe(12);
  });

  it('uses the even-odd rule: a ring drawn as one self-overlapping outline leaves a hole', () => {
    const m = new MaskCanvas({ x: 0, y: 0, width: 10, height: 10 });
    // Outer square, then the inner square traced as part of the same outline.
    m.fillPolygon(
      [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 10 },
        { x: 0, y: 10 },
        { x: 0, y: 0 },
        { x: 3, y: 3 },
        { x: 3, y: 7 },
        { x: 7, y: 7 },
        { x: 7, y: 3 },
        { x: 3, y: 3 },
      ],
      1,
    );
    expect(m.get(1, 1)).toBe(1);
    expect(m.get(5, 5)).toBe(0);
    expect(m.countForeground()).toBe(100 - 16);
  });

  it('erases with a polygon and ignores degenerate ones', () => {
    const m = new MaskCanvas({ x: 0, y: 0, width: 4, height: 4 });
    m.fill(1);
    m.fillPolygon(
      [
        { x: 0, y: 0 },
        { x: 2, y: 0 },
        { x: 2, y: 4 },
        { x: 0, y: 4 },
      ],
      0,
    );
    expect(m.countForeground()).toBe(8);
    expect(
      m.fillPolygon(
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        1,
      ),
    ).toBeNull();
  });

  it('initialises from a probability map thresholded at 0.5 (floats or bytes)', () => {
    const r = { x: 0, y: 0, width: 4, height: 1 };
    expect(Array.from(MaskCanvas.fromProbabilities(r, [0.1, 0.5, 0.49, 0.9]).data)).toEqual([0, 1, 0, 1]);
    expect(Array.from(MaskCanvas.fromProbabilities(r, [0, 128, 127, 255], { scale: 255 }).data)).toEqual([0, 1, 0, 1]);
    expect(() => MaskCanvas.fromProbabilities(r, [1])).toThrow(/1 values for a 4-pixel region/);
  });

  it('snapshots are independent copies', () => {
    const m = new MaskCanvas(region);
    const before = m.snapshot();
    m.fill(1);
    m.restore(before);
    expect(m.countForeground()).toBe(0);
  });
});
