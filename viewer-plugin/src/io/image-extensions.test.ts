import { describe, expect, it } from 'vitest';
import { imageExtensionOf } from './image-extensions.js';

describe('imageExtensionOf', () => {
  it('matches case-insensitively and prefers double extensions', () => {
    expect(imageExtensionOf('Slide_01.TIF')).toBe('tif');
    expect(imageExtensionOf('brain.nii.gz')).toBe('nii.gz');
    expect(imageExtensionOf('notes.txt')).toBeUndefined();
    expect(imageExtensionOf('png')).toBeUndefined();
  });
});
