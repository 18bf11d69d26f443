/** Where an annotated region came from (the protocol's `AnnotationSource`, restated: shared imports nothing). */
export type LearningSource = 'uncertainty' | 'random-probe' | 'user';

/** What the learning plot draws; `LearningReport` from the protocol fits it. */
export interface LearningPlotInput {
  readonly versions: readonly {
    readonly modelVersion: number;
    readonly dice: { readonly value: number | null; readonly lo: number | null; readonly hi: number | null };
  }[];
  readonly annotations: readonly {
    readonly modelVersion: number | null;
    readonly source: LearningSource;
    readonly preAnnotation: { readonly dice: number } | null;
  }[];
}

/** Colour-blind-safe (ColorBrewer Dark2), one per source, used by the panel's legend and the report alike. */
export const SOURCE_COLOURS: Readonly<Record<LearningSource, string>> = {
  uncertainty: '#d95f02',
  'random-probe': '#1b9e77',
  user: '#7570b3',
};

export const SOURCE_LABELS: Readonly<Record<LearningSource, string>> = {
  uncertainty: 'uncertainty pick',
  'random-probe': 'random probe',
  user: 'own region',
};

export interface LearningPlotOptions {
  readonly width?: number;
  readonly height?: number;
}

export interface LearningPlotGeometry {
  readonly width: number;
  readonly height: number;
  /** The data area inside the axes. */
  readonly area: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
  readonly xTicks: readonly { readonly version: number; readonly x: number }[];
  readonly yTicks: readonly { readonly value: number; readonly y: number }[];
  /** SVG path of the 95 % interval band over the versions that have an estimate ('' when none). */
  readonly band: string;
  /** SVG path through the estimates ('' when none). */
  readonly line: string;
  readonly estimates: readonly { readonly version: number; readonly x: number; readonly y: number }[];
  /** One dot per scored annotation, spread a little around its version so equal scores stay visible. */
  readonly dots: readonly { readonly x: number; readonly y: number; readonly source: LearningSource }[];
}

const MARGIN = { left: 44, right: 12, top: 12, bottom: 34 };

/**
 * Positions of everything on the learning plot: x is the model version (evenly spaced, in order: versions need not
 * be consecutive), y is Dice on a fixed 0–1 scale so plots of two days compare at a glance.
 */
export function learningPlotGeometry(
  input: LearningPlotInput,
  options: LearningPlotOptions = {},
): LearningPlotGeometry {
  const width = options.width ?? 360;
  const height = options.height ?? 220;
  const area = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const versions = [
    ...new Set([
      ...input.versions.map((v) => v.modelVersion),
      ...input.annotations.flatMap((a) => (a.modelVersion === null || !a.preAnnotation ? [] : [a.modelVersion])),
    ]),
  ].sort((a, b) => a - b);
  const step = versions.length > 1 ? area.width / (versions.length - 1) : 0;
  const slot = new Map(versions.map((v, i) => [v, i]));
  const sx = (v: number) =>
    versions.length > 1 ? area.left + (slot.get(v) as number) * step : area.left + area.width / 2;
  const sy = (d: number) => area.top + (1 - Math.min(1, Math.max(0, d))) * area.height;
  const spread = versions.length > 1 ? Math.min(step * 0.3, 24) : Math.min(area.width * 0.3, 24);

  const withEstimate = input.versions
    .filter((v) => v.dice.value !== null)
    .sort((a, b) => a.modelVersion - b.modelVersion);
  const estimates = withEstimate.map((v) => ({
    version: v.modelVersion,
    x: sx(v.modelVersion),
    y: sy(v.dice.value as number),
  }));
  const banded = withEstimate.filter((v) => v.dice.lo !== null && v.dice.hi !== null);
  const upper = banded.map((v) => `${r(sx(v.modelVersion))},${r(sy(v.dice.hi as number))}`);
  const lower = banded.map((v) => `${r(sx(v.modelVersion))},${r(sy(v.dice.lo as number))}`).reverse();
  // One version: a band has no width, so it is drawn as a short bar around the point.
  const band =
    banded.length === 0
      ? ''
      : banded.length === 1
        ? barPath(sx(banded[0]!.modelVersion), sy(banded[0]!.dice.hi as number), sy(banded[0]!.dice.lo as number))
        : `M${upper.join('L')}L${lower.join('L')}Z`;
  const line = estimates.length === 0 ? '' : `M${estimates.map((e) => `${r(e.x)},${r(e.y)}`).join('L')}`;

  const seen = new Map<number, number>();
  const dots = input.annotations.flatMap((a) => {
    if (a.modelVersion === null || !a.preAnnotation) return [];
    const k = seen.get(a.modelVersion) ?? 0;
    seen.set(a.modelVersion, k + 1);
    // 0, +1, −1, +2, −2 … sevenths of the spread: deterministic, no two dots of a version on the same x in a row.
    const offset = ((k % 7 === 0 ? 0 : (k % 2 ? 1 : -1) * Math.ceil((k % 7) / 2)) / 3) * spread;
    return [{ x: sx(a.modelVersion) + offset, y: sy(a.preAnnotation.dice), source: a.source }];
  });
  return {
    width,
    height,
    area,
    xTicks: versions.map((v) => ({ version: v, x: sx(v) })),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, y: sy(value) })),
    band,
    line,
    estimates,
    dots,
  };
}

export interface LearningSvgOptions extends LearningPlotOptions {
  /** Drawn above the plot (the report has one; the panel has its heading instead). */
  readonly title?: string;
}

/** The learning plot as a standalone SVG document: the viewer's Learning panel and `activeseg report` draw this. */
export function renderLearningSvg(input: LearningPlotInput, options: LearningSvgOptions = {}): string {
  const titleHeight = options.title ? 24 : 0;
  const g = learningPlotGeometry(input, options);
  const { area } = g;
  const total = g.height + titleHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${total}" viewBox="0 0 ${g.width} ${total}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${g.width}" height="${total}" fill="#ffffff"/>`,
  ];
  if (options.title)
    parts.push(`<text x="${area.left}" y="16" font-size="13" font-weight="bold">${esc(options.title)}</text>`);
  parts.push(`<g transform="translate(0,${titleHeight})">`);
  for (const t of g.yTicks) {
    parts.push(
      `<line x1="${area.left}" x2="${area.left + area.width}" y1="${r(t.y)}" y2="${r(t.y)}" stroke="#e5e5e5"/>`,
      `<text x="${area.left - 6}" y="${r(t.y + 4)}" text-anchor="end">${t.value.toFixed(2)}</text>`,
    );
  }
  for (const t of g.xTicks) {
    parts.push(`<text x="${r(t.x)}" y="${r(area.top + area.height + 14)}" text-anchor="middle">v${t.version}</text>`);
  }
  parts.push(
    `<text x="${r(area.left + area.width / 2)}" y="${g.height - 4}" text-anchor="middle" fill="#555">model version</text>`,
    `<text transform="translate(11,${r(area.top + area.height / 2)}) rotate(-90)" text-anchor="middle" fill="#555">Dice</text>`,
  );
  if (g.band) parts.push(`<path data-role="band" d="${g.band}" fill="#1b9e77" fill-opacity="0.18" stroke="none"/>`);
  if (g.line) parts.push(`<path data-role="estimate" d="${g.line}" fill="none" stroke="#1b9e77" stroke-width="2"/>`);
  for (const e of g.estimates) parts.push(`<circle cx="${r(e.x)}" cy="${r(e.y)}" r="3.5" fill="#1b9e77"/>`);
  for (const d of g.dots) {
    parts.push(
      `<circle data-source="${d.source}" cx="${r(d.x)}" cy="${r(d.y)}" r="3" fill="${SOURCE_COLOURS[d.source]}" fill-opacity="0.75"/>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('');
}

function barPath(x: number, yTop: number, yBottom: number): string {
  return `M${r(x - 4)},${r(yTop)}L${r(x + 4)},${r(yTop)}L${r(x + 4)},${r(yBottom)}L${r(x - 4)},${r(yBottom)}Z`;
}

function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
