import { describe, expect, it } from 'vitest';
import { type LearningPlotInput, learningPlotGeometry, renderLearningSvg, SOURCE_COLOURS } from './learning-plot.js';

const input: LearningPlotInput = {
  versions: [
    { modelVersion: 1, dice: { value: 0.5, lo: 0.4, hi: 0.6 } },
    { modelVersion: 3, dice: { value: 0.75, lo: 0.7, hi: 0.8 } },
    { modelVersion: 4, dice: { value: null, lo: null, hi: null } },
  ],
  annotations: [
    { modelVersion: 1, source: 'random-probe', preAnnotation: { dice: 0.5 } },
    { modelVersion: 1, source: 'uncertainty', preAnnotation: { dice: 0.25 } },
    { modelVersion: 3, source: 'user', preAnnotation: { dice: 1 } },
    { modelVersion: 4, source: 'uncertainty', preAnnotation: null },
    { modelVersion: null, source: 'user', preAnnotation: null },
  ],
};

describe('learningPlotGeometry', () => {
  // 400 × 234: the data area is 44..388 (344 wide) × 12..200 (188 high).
  const g = learningPlotGeometry(input, { width: 400, height: 234 });

  it('spaces versions evenly across the area in order, whatever their numbers', () => {
    expect(g.area).toEqual({ left: 44, top: 12, width: 344, height: 188 });
    expect(g.xTicks).toEqual([
      { version: 1, x: 44 },
      { version: 3, x: 216 },
      { version: 4, x: 388 },
    ]);
  });

  it('maps Dice 0..1 to the bottom..top of the area', () => {
    expect(g.yTicks[0]).toEqual({ value: 0, y: 200 });
    expect(g.yTicks[4]).toEqual({ value: 1, y: 12 });
    expect(g.estimates).toEqual([
      { version: 1, x: 44, y: 106 },
      { version: 3, x: 216, y: 59 },
    ]);
  });

  it('draws the interval band as upper edge left→right then lower edge back, and the line through the estimates', () => {
    // hi 0.6 → y 87.2, hi 0.8 → 49.6; lo 0.7 → 68.4, lo 0.4 → 124.8.
    expect(g.band).toBe('M44,87.2L216,49.6L216,68.4L44,124.8Z');
    expect(g.line).toBe('M44,106L216,59');
  });

  it('puts one dot per scored annotation at its version, spread sideways, coloured by source', () => {
    expect(g.dots).toHaveLength(3);
    expect(g.dots[0]).toEqual({ x: 44, y: 106, source: 'random-probe' });
    // The second dot of version 1 moves right by a third of the spread (min(0.3 × 172, 24) = 24 → 8).
    expect(g.dots[1]).toEqual({ x: 52, y: 153, source: 'uncertainty' });
    expect(g.dots[2]).toEqual({ x: 216, y: 12, source: 'user' });
  });

  it('has no band or line without estimates, and centres a single version', () => {
    const one = learningPlotGeometry(
      { versions: [{ modelVersion: 2, dice: { value: null, lo: null, hi: null } }], annotations: [] },
      { width: 400, height: 234 },
    );
    expect([one.band, one.line]).toEqual(['', '']);
    expect(one.xTicks).toEqual([{ version: 2, x: 216 }]);
  });
});

describe('renderLearningSvg', () => {
  it('is one SVG document with the band, the estimate line and a dot per source colour, title escaped', () => {
    const svg = renderLearningSvg(input, { title: 'Slide <a> & b' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Slide &lt;a&gt; &amp; b');
    expect(svg).toContain('data-role="band"');
    expect(svg).toContain('data-role="estimate"');
    for (const source of ['random-probe', 'uncertainty', 'user'] as const) {
      expect(svg).toContain(`data-source="${source}"`);
      expect(svg).toContain(SOURCE_COLOURS[source]);
    }
  });
});
