import { describe, expect, it } from 'vitest';
import { renderReportSvg } from './report-svg.js';

describe('renderReportSvg', () => {
  const curve = (base: number) =>
    [0, 1, 2].map((iteration) => ({ iteration, nTrain: 2 + iteration, mean: base + iteration * 0.1, std: 0.05, n: 3 }));

  it('draws one line, one band and one legend entry per strategy', () => {
    const svg = renderReportSvg(
      [
        { name: 'uncertainty', curve: curve(0.5) },
        { name: 'random', curve: curve(0.4) },
      ],
      { title: 'Dice <test>' },
    );
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<polygon /g)).toHaveLength(2);
    expect(svg).toContain('uncertainty (n=3)');
    expect(svg).toContain('Dice &lt;test&gt;');
  });

  it('places a higher mean higher on the chart', () => {
    const svg = renderReportSvg([{ name: 'u', curve: curve(0.5) }], { title: 't' });
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(ys[0]).toBeGreaterThan(ys[2] as number);
  });
});
