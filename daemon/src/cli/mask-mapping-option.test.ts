import { describe, expect, it } from 'vitest';
import { maskMappingPresets } from '../data/mask-mapping.js';
import { maskMappingOption } from './mask-mapping-option.js';

describe('maskMappingOption', () => {
  it('leaves the mapping undefined without flags, so the loader default (and a resumed run key) applies', () => {
    expect(maskMappingOption({})).toEqual({ mapping: undefined });
  });

  it('selects presets by name', () => {
    expect(maskMappingOption({ mapping: 'axondeepseg' }).mapping).toBe(maskMappingPresets.axondeepsegCompositeMyelin);
    expect(maskMappingOption({ mapping: 'isbi-membrane' }).mapping).toBe(maskMappingPresets.isbiMembrane);
    expect(maskMappingOption({ mapping: 'binary' }).mapping).toBe(maskMappingPresets.myelinBinary);
    expect(() => maskMappingOption({ mapping: 'composite' })).toThrow(
      '--mask-mapping: expected one of binary, axondeepseg, axondeepseg-testfiles, isbi-membrane, got "composite"',
    );
  });

  it('reads foreground values (the rest background) or FG/BG lists', () => {
    expect(maskMappingOption({ values: '127,128' }).mapping).toEqual({
      kind: 'values',
      foreground: [127, 128],
      background: [],
      unlisted: 'background',
    });
    expect(maskMappingOption({ values: '127, 128/0,255' }).mapping).toEqual({
      kind: 'values',
      foreground: [127, 128],
      background: [0, 255],
    });
  });

  it('names the flag on bad values and refuses both flags at once', () => {
    expect(() => maskMappingOption({ values: '127,x' })).toThrow('--mask-values: expected comma-separated integers');
    expect(() => maskMappingOption({ values: '' })).toThrow('--mask-values');
    expect(() => maskMappingOption({ values: '1/2/3' })).toThrow('expected FG or FG/BG');
    expect(() => maskMappingOption({ values: '1,2/2' })).toThrow('2 listed as both foreground and background');
    expect(() => maskMappingOption({ mapping: 'binary', values: '1' })).toThrow('exclusive');
  });
});
