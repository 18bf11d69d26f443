import type { SlideInfo } from '@activeseg/protocol';
import type { JobView } from '../state/viewer-state.js';

/** "12 s", "3 min 5 s", "1 h 02 min": coarse enough to not flicker every frame. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const MODE_LABEL = { finetune: 'fine-tune', scratch: 'from scratch' } as const;

/** What the job is: `infer V915.png`, `train (fine-tune)`; the slide name comes from the page's slide list. */
export function jobTitle(job: JobView, slides: readonly Pick<SlideInfo, 'id' | 'name'>[] = []): string {
  if (job.kind === 'train') return job.mode ? `train (${MODE_LABEL[job.mode]})` : 'train';
  const name = job.slideId === undefined ? undefined : (slides.find((s) => s.id === job.slideId)?.name ?? job.slideId);
  return name === undefined ? 'infer' : `infer ${name}`;
}

/** One line under a job's progress bar. */
export function formatJobLine(job: JobView, slides: readonly Pick<SlideInfo, 'id' | 'name'>[] = []): string {
  const parts = [`${jobTitle(job, slides)} ${job.state}`];
  if (job.total > 0) parts.push(`${job.done}/${job.total}`);
  if (job.state === 'running' && job.etaMs !== undefined) parts.push(`ETA ${formatDuration(job.etaMs)}`);
  if (job.epoch !== undefined) parts.push(`epoch ${job.epoch}`);
  if (job.loss !== undefined) parts.push(`loss ${job.loss.toFixed(4)}`);
  if (job.valDice !== undefined) parts.push(`val Dice ${job.valDice.toFixed(3)}`);
  if (job.error) parts.push(job.error);
  if (job.warning) parts.push(job.warning);
  return parts.join(' · ');
}

export function progressFraction(job: Pick<JobView, 'done' | 'total'>): number {
  return job.total > 0 ? Math.min(1, job.done / job.total) : 0;
}
