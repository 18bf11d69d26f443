import { describe, expect, it } from 'vitest';
import { formatAnnotationArea, formatAnnotationPlace, formatWhen } from './format-annotation.js';

const a = {
  id: 'an_1',
  slideId: 'sl_1',
  region: { x: 1024, y: 0, width: 512, height: 256 },
  createdAt: '2026-01-01T10:00:00Z',
  areaPx: 12345,
  version: 1,
  patches: [],
};

describe('annotation list formatting', () => {
  it('names the region in image pixels, the section of a volume, and the version only once it was edited', () => {
    expect(formatAnnotationPlace(a)).toBe('512×256 at 1024,0');
    expect(formatAnnotationPlace({ ...a, version: 3 })).toBe('512×256 at 1024,0 · v3');
    expect(formatAnnotationPlace({ ...a, z: 4, version: 2 })).toBe('512×256 at 1024,0 · section 5 · v2');
  });

  it('gives the area in px, with µm² when known', () => {
    expect(formatAnnotationArea(a)).toBe('12,345 px');
    expect(formatAnnotationArea({ ...a, areaUm2: 3.0862 })).toBe('12,345 px (3.09 µm²)');
    expect(formatAnnotationArea({ ...a, areaUm2: 308.62 })).toBe('12,345 px (308.6 µm²)');
  });

  it('says when relative to now', () => {
    const now = new Date('2026-01-01T12:30:00Z');
    expect(formatWhen('2026-01-01T12:29:30Z', now)).toBe('just now');
    expect(formatWhen('2026-01-01T12:00:00Z', now)).toBe('30 min ago');
    expect(formatWhen('2026-01-01T10:00:00Z', now)).toBe('2 h ago');
    expect(formatWhen('2025-12-24T10:00:00Z', now)).toBe('2025-12-24');
  });
});
