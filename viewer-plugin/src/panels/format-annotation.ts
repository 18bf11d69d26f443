import type { AnnotationSummary } from '@activeseg/protocol';

/** "512×512 at 1024,0 · section 3 · v2" : where the annotation is (level-0 image pixels, the section of a volume, 1-based), and which version. */
export function formatAnnotationPlace(a: AnnotationSummary): string {
  const { x, y, width, height } = a.region;
  const section = a.z === undefined ? '' : ` · section ${a.z + 1}`;
  return `${width}×${height} at ${x},${y}${section}${a.version > 1 ? ` · v${a.version}` : ''}`;
}

/** Myelin area in image px, and in µm² when the slide's pixel size is known. */
export function formatAnnotationArea(a: AnnotationSummary): string {
  const px = `${a.areaPx.toLocaleString('en-US')} px`;
  if (a.areaUm2 === undefined) return px;
  const um2 = a.areaUm2 < 10 ? a.areaUm2.toFixed(2) : a.areaUm2.toFixed(1);
  return `${px} (${um2} µm²)`;
}

/** When, relative to `now`: "just now", "5 min ago", "3 h ago", else the date. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  const s = (now.getTime() - t.getTime()) / 1000;
  if (!Number.isFinite(s)) return iso;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return t.toISOString().slice(0, 10);
}
