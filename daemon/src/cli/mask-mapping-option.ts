import { type MaskMapping, maskMappingPresets } from '../data/mask-mapping.js';

/** `--mask-mapping` names: the presets of `maskMappingPresets` a user can pick on the command line. */
export const MASK_MAPPING_NAMES = {
  binary: maskMappingPresets.myelinBinary,
  axondeepseg: maskMappingPresets.axondeepsegCompositeMyelin,
  'axondeepseg-testfiles': maskMappingPresets.axondeepsegTestfilesMyelin,
  'isbi-membrane': maskMappingPresets.isbiMembrane,
} as const satisfies Record<string, MaskMapping>;

/** The two flags' help lines, with descriptions starting at `column` to line up with the verb's other flags. */
export function maskMappingUsage(column: number): string {
  const flag = (name: string, text: string[]) =>
    text.map((line, i) => (i === 0 ? `  ${name}`.padEnd(column) : ' '.repeat(column)) + line).join('\n');
  return [
    flag('--mask-mapping <m>', [
      'how mask values become labels (default binary): binary (0/255, > 127 is the foreground;',
      'other values stop with an error naming the file, up to 64 stray pixels per file allowed),',
      'axondeepseg (composite 0/127-128/255: 127/128 myelin), axondeepseg-testfiles (0/128/255',
      'with resampling values in between, rounded), isbi-membrane (0 membrane is the foreground)',
    ]),
    flag('--mask-values <v>', [
      'foreground values, e.g. 127,128 (every other value is background); FG/BG, e.g.',
      '127,128/0,255, lists both and stops on any other value',
    ]),
  ].join('\n');
}

export interface MaskMappingOptionResult {
  /** Undefined when neither flag was given: the loader's default applies (and resumed runs keep their key). */
  mapping: MaskMapping | undefined;
}

/** Parses `--mask-mapping` / `--mask-values` into a mapping, with messages naming the flag. */
export function maskMappingOption(flags: { mapping?: string; values?: string }): MaskMappingOptionResult {
  if (flags.mapping !== undefined && flags.values !== undefined) {
    throw new Error('--mask-mapping and --mask-values are exclusive: give one');
  }
  if (flags.mapping !== undefined) {
    const mapping = (MASK_MAPPING_NAMES as Record<string, MaskMapping>)[flags.mapping];
    if (!mapping) {
      throw new Error(
        `--mask-mapping: expected one of ${Object.keys(MASK_MAPPING_NAMES).join(', ')}, got "${flags.mapping}"`,
      );
    }
    return { mapping };
  }
  if (flags.values === undefined) return { mapping: undefined };
  const parts = flags.values.split('/');
  if (parts.length > 2) throw new Error(`--mask-values: expected FG or FG/BG, got "${flags.values}"`);
  const foreground = valueList(parts[0] ?? '', flags.values);
  if (parts.length === 1) return { mapping: { kind: 'values', foreground, background: [], unlisted: 'background' } };
  const background = valueList(parts[1] ?? '', flags.values);
  const both = foreground.filter((v) => background.includes(v));
  if (both.length > 0) throw new Error(`--mask-values: ${both.join(', ')} listed as both foreground and background`);
  return { mapping: { kind: 'values', foreground, background } };
}

function valueList(list: string, raw: string): number[] {
  const values = list.split(',').map((s) => s.trim());
  if (values.some((v) => !/^\d+$/.test(v) || Number(v) > 65535)) {
    throw new Error(`--mask-values: expected comma-separated integers 0–65535, got "${raw}"`);
  }
  return values.map(Number);
}
