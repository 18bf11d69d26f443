import type { ModelVersionInfo } from '@activeseg/protocol';

const ORIGIN_LABEL: Record<ModelVersionInfo['mode'], string> = {
  finetune: 'fine-tune',
  scratch: 'from scratch',
  base: 'base model',
  bootstrap: 'first model (demo data)',
  import: 'imported',
};

/** "06:12" today, "4 Dec 06:12" before: when a version was made, in the browser's time zone. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.getDate()} ${d.toLocaleString('en', { month: 'short' })} ${time}`;
}

/** How a version was trained, in one line: `fine-tune of v2 · 14 annotations · 12 + 3 patches`. */
export function formatModelOrigin(m: ModelVersionInfo): string {
  const parts = [
    m.mode === 'finetune' && m.parentVersion !== null ? `fine-tune of v${m.parentVersion}` : ORIGIN_LABEL[m.mode],
  ];
  if (m.annotationsUsed !== null) parts.push(`${m.annotationsUsed} annotation${m.annotationsUsed === 1 ? '' : 's'}`);
  if (m.trainPatches !== null && m.valPatches !== null) parts.push(`${m.trainPatches} + ${m.valPatches} val patches`);
  return parts.join(' · ');
}

/** `val Dice 0.250 (v1: 0.763)`: the version's validation Dice and the one it was compared with on the same patches. */
export function formatModelDice(m: ModelVersionInfo): string {
  if (m.valDice === null) return 'val Dice – (too few patches to hold any out)';
  const vs = m.comparedWith ? ` (v${m.comparedWith.version}: ${m.comparedWith.valDice.toFixed(3)})` : '';
  return `val Dice ${m.valDice.toFixed(3)}${vs}`;
}
