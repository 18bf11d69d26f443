import { describe, expect, it } from 'vitest';
import { useTempStore } from '../testing/temp-store.js';
import { type AnnotationRecord, AnnotationSupersededError } from './annotations-repo.js';

const ctx = useTempStore();

const record = (id: string, extra: Partial<AnnotationRecord> = {}): AnnotationRecord => ({
  id,
  slideId: 'sl_1',
  clientId: `client-${id}`,
  x: 0,
  y: 0,
  width: 4,
  height: 4,
  maskPath: `annotations/sl_1/${id}.png`,
  foregroundPixels: 1,
  createdAt: '2026-01-01T00:00:00Z',
  patches: [{ col: 0, row: 0, size: 512, coveredPixels: 16 }],
  version: 1,
  ...extra,
});

describe('annotations repo: versions', () => {
  it('of two edits of one version, the second fails whole (no row, no patch rows) with AnnotationSupersededError', () => {
    const { store } = ctx;
    store.slides.insert({
      id: 'sl_1',
      name: 's',
      sourcePath: '/s.png',
      readPath: '/s.png',
      width: 1024,
      height: 1024,
      format: 'png',
      createdAt: 'now',
    });
    store.annotations.insert(record('an_1'));
    store.annotations.insert(record('an_2', { version: 2, supersedes: 'an_1' }));
    expect(() => store.annotations.insert(record('an_3', { version: 2, supersedes: 'an_1' }))).toThrow(
      AnnotationSupersededError,
    );
    expect(store.annotations.get('an_3')).toBeUndefined();
    expect(store.annotations.listVersions('an_1').map((a) => a.id)).toEqual(['an_1', 'an_2']);
    expect(store.annotations.listVersions('an_2').map((a) => a.id)).toEqual(['an_1', 'an_2']);
    // Only the current version trains: one cell, from an_2.
    expect(store.annotations.listForCell('sl_1', 0, 0).map((a) => a.annotationId)).toEqual(['an_2']);
    expect(store.annotations.deleteVersions('an_1').map((a) => a.id)).toEqual(['an_1', 'an_2']);
    expect(store.annotations.count()).toBe(0);
    expect(store.annotations.listAnnotatedCells()).toEqual([]);
  });
});
