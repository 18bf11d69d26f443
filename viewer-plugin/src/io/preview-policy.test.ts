import { describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW_MAX_BYTES, shouldPreview } from './preview-policy.js';

describe('shouldPreview', () => {
  it('previews small PNG/JPEG files only, up to the threshold inclusive', () => {
    expect(shouldPreview({ name: 'a.png', size: 1000 })).toBe(true);
    expect(shouldPreview({ name: 'a.JPG', size: DEFAULT_PREVIEW_MAX_BYTES })).toBe(true);
    expect(shouldPreview({ name: 'a.png', size: DEFAULT_PREVIEW_MAX_BYTES + 1 })).toBe(false);
    expect(shouldPreview({ name: 'a.png', size: 2000 }, { previewMaxBytes: 1999 })).toBe(false);
  });

  it('never decodes a TIFF or a file of unknown type in the page, whatever its size', () => {
    for (const name of ['s.tif', 's.TIFF', 's.ome.tif']) expect(shouldPreview({ name, size: 10 }), name).toBe(false);
    expect(shouldPreview({ name: 'slide.svs', size: 10 })).toBe(false);
  });
});
