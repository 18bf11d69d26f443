import type { CurvePoint } from './curve-stats.js';

export interface ReportSeries {
  readonly name: string;
  readonly curve: readonly CurvePoint[];
}

export interface ReportSvgOptions {
  title: string;
  yLabel?: string;
  xLabel?: string;
  width?: number;
  height?: number;
}

// Colour-blind-safe (Okabe–Ito) so uncertainty vs random reads in print and for every reader.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/** The paper's Figs. 5–6: mean ± std of a metric per iteration, one line and shaded band per strategy. */
export function renderReportSvg(series: readonly ReportSeries[], options: ReportSvgOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const m = { left: 64, right: 160, top: 44, bottom: 52 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const points = series.flatMap((s) => s.curve);
  const xMax = Math.max(1, ...points.map((p) => p.iteration));
  const lows = points.map((p) => p.mean - p.std);
  const highs = points.map((p) => p.mean + p.std);
  let yMin = Math.min(1, ...lows);
  let yMax = Math.max(0, ...highs);
  yMin = Math.max(0, Math.floor(yMin * 10) / 10);
  yMax = Math.min(1, Math.ceil(yMax * 10) / 10);
  if (yMax - yMin < 0.1) yMax = Math.min(1, yMin + 0.1);
  const sx = (x: number) => m.left + (x / xMax) * pw;
  const sy = (y: number) => m.top + (1 - (y - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
  );
  const yTicks = Math.round((yMax - yMin) / 0.1);
  for (let i = 0; i <= yTicks; i++) {
    const v = yMin + (i * (yMax - yMin)) / yTicks;
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${fmt(sy(v))}" y2="${fmt(sy(v))}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 8}" y="${fmt(sy(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  const xStep = Math.max(1, Math.ceil(xMax / 15));
  for (let x = 0; x <= xMax; x += xStep) {
    parts.push(`<text x="${fmt(sx(x))}" y="${m.top + ph + 18}" text-anchor="middle">${x}</text>`);
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${height - 12}" text-anchor="middle">${esc(options.xLabel ?? 'active-learning iteration')}</text>`,
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel ?? 'test Dice (mean ± std)')}</text>`,
  );
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length] as string;
    const c = [...s.curve].sort((a, b) => a.iteration - b.iteration);
    if (c.length === 0) return;
    const upper = c.map((p) => `${fmt(sx(p.iteration))},${fmt(sy(Math.min(1, p.mean + p.std)))}`);
    const lower = c.map((p) => `${fmt(sx(p.iteration))},${fmt(sy(Math.max(0, p.mean - p.std)))}`).reverse();
    parts.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`,
    );
    const line = c.map((p) => `${fmt(sx(p.iteration))},${fmt(sy(p.mean))}`).join(' ');
    parts.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of c)
      parts.push(`<circle cx="${fmt(sx(p.iteration))}" cy="${fmt(sy(p.mean))}" r="3" fill="${colour}"/>`);
    const ly = m.top + 16 + i * 20;
    parts.push(
      `<line x1="${m.left + pw + 14}" x2="${m.left + pw + 38}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${m.left + pw + 44}" y="${ly}">${esc(s.name)} (n=${Math.max(...c.map((p) => p.n))})</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
