import type { WriteStream } from 'node:tty';

export interface ProgressBarOptions {
  label: string;
  total: number;
  /** Defaults to stderr so progress never mixes with machine-readable stdout. */
  stream?: NodeJS.WriteStream | WriteStream;
  width?: number;
  now?: () => number;
}

export interface ProgressBar {
  /** `done` counts units of `total` (patches, epochs): pass counts, not fractions. */
  update(done: number, detail?: string): void;
  finish(detail?: string): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** ETA from the mean rate so far: simple and stable for training loops whose steps cost about the same. */
export function estimateEtaMs(done: number, total: number, elapsedMs: number): number {
  if (done <= 0) return Number.NaN;
  return (elapsedMs / done) * Math.max(0, total - done);
}

/**
 * The one place a progress count is turned into text: whole units, rounded down (a unit is not done until it is),
 * so a caller passing a fraction gets `0/1`, never `0.16666666666666666/1`.
 */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? String(Math.floor(n)) : '?';
}

export function renderProgressLine(opts: {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
  width: number;
  detail?: string;
}): string {
  const frac = opts.total > 0 ? Math.min(1, opts.done / opts.total) : 1;
  const filled = Math.round(frac * opts.width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(opts.width - filled)}`;
  const eta = formatDuration(estimateEtaMs(opts.done, opts.total, opts.elapsedMs));
  const pct = `${Math.floor(frac * 100)}`.padStart(3, ' ');
  const tail = opts.detail ? ` ${opts.detail}` : '';
  return `${opts.label} [${bar}] ${pct}% ${formatCount(opts.done)}/${formatCount(opts.total)} elapsed ${formatDuration(opts.elapsedMs)} eta ${eta}${tail}`;
}

/** A one-line progress bar: redraws in place on a TTY, prints at most every 5 s otherwise (CI logs). */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const width = options.width ?? 24;
  const start = now();
  const isTty = 'isTTY' in stream && stream.isTTY === true;
  let lastPrint = 0;
  const draw = (done: number, detail: string | undefined, force: boolean) => {
    const t = now();
    if (!isTty && !force && t - lastPrint < 5000) return;
    lastPrint = t;
    const line = renderProgressLine({
      label: options.label,
      done,
      total: options.total,
      elapsedMs: t - start,
      width,
      detail,
    });
    stream.write(isTty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  return {
    update: (done, detail) => draw(done, detail, false),
    finish: (detail) => {
      draw(options.total, detail, true);
      if (isTty) stream.write('\n');
    },
  };
}
