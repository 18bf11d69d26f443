import type { MaskImage } from '@activeseg/shared';
import { DataError } from './data-error.js';
import type { PixelData } from './read-image.js';

/**
 * How raw mask values become training labels: foreground (1), background (0) or ignore (weight 0, "not annotated").
 *
 * - `threshold`: `value > threshold` is foreground, everything else background; never ignores. With `expected`, values
 *   outside that list are counted, and more than `maxUnexpectedPixels` of them (default 0) in one file is an error
 *   (MASK_VALUES, naming file, values and counts): a few stray pixels still fall to the nearer side, but a mask of
 *   another kind (a composite 0/127/255 mask, a grey image given as mask) stops instead of training on a wrong target.
 * - `values`: each raw value is matched to the nearest listed value within `tolerance` (default 0); ties between
 *   different classes, and values listed under `ignore`, become ignore. Values matching nothing are an error
 *   (MASK_VALUES, naming file, values and counts) unless there are at most `maxUnlistedPixels` of them in a file
 *   (default 0), in which case they become ignore too: a handful of stray pixels should not cost a whole slide,
 *   but a wrong mapping for the data set (a whole mask of unexpected values) must fail loudly. With
 *   `unlisted: 'background'` every value that matches nothing is background instead (`--mask-values 127,128`: the
 *   user named the foreground, the rest is background by their own statement).
 */
export type MaskMapping =
  | { kind: 'threshold'; threshold: number; expected?: readonly number[]; maxUnexpectedPixels?: number }
  | {
      kind: 'values';
      foreground: readonly number[];
      background: readonly number[];
      ignore?: readonly number[];
      tolerance?: number;
      maxUnlistedPixels?: number;
      unlisted?: 'error' | 'background';
    };

/** Label value written for foreground, background, and (in the raw classification only) ignore. */
export const MASK_LABEL = { background: 0, foreground: 1, ignore: 255 } as const;

export const maskMappingPresets = {
  /**
   * Binary 0/255 masks such as AxonDeepSeg masks-myelin/ (0 background, 255 myelin). sub-rat2_sample-data5 carries 9
   * stray pixels, identical in its myelin, axon and composite masks: four of value 233 (inside myelin, by their
   * neighbours) and five of 130 (inside background/axon). Threshold 127 maps all nine to myelin: 5 wrong pixels out of
   * 1.2 M. Up to 64 such strays per file are tolerated (thresholded); more values other than 0 and 255 (a composite
   * mask, anti-aliased edges, a grey image) stop with MASK_VALUES.
   */
  myelinBinary: { kind: 'threshold', threshold: 127, expected: [0, 255], maxUnexpectedPixels: 64 },
  /**
   * AxonDeepSeg masks/ composite (0 background, 127 myelin — 128 in sub-rat2 —, 255 axon) → myelin vs rest.
   * Tolerance 0, not ±2: with ±2 the rat2 strays of value 130, which sit in background/axon, would become myelin.
   * The 9 rat2 strays (130, 233) are instead ignored (weight 0) through `maxUnlistedPixels`; 64 leaves room for
   * such noise while a misapplied mapping (e.g. on a 0/255 myelin mask, a gray image) still fails.
   */
  axondeepsegCompositeMyelin: {
    kind: 'values',
    foreground: [127, 128],
    background: [0, 255],
    tolerance: 0,
    maxUnlistedPixels: 64,
  },
  /**
   * AxonDeepSeg old test patches (0 background, 128 myelin, 255 axon, with resampling values in between): round to
   * the nearest of 0/128/255; value 64, equidistant from 0 and 128, is ignored.
   */
  axondeepsegTestfilesMyelin: { kind: 'values', foreground: [128], background: [0, 255], tolerance: 64 },
  /** ISBI 2012 membrane masks (0 membrane, 255 cell interior): the membrane is the foreground. */
  isbiMembrane: { kind: 'values', foreground: [0], background: [255] },
} as const satisfies Record<string, MaskMapping>;

/** Default: binary 0/255 masks (e.g. AxonDeepSeg masks-myelin/), checked; see `maskMappingPresets.myelinBinary`. */
export const DEFAULT_MASK_MAPPING: MaskMapping = maskMappingPresets.myelinBinary;

export interface MapMaskOptions {
  width: number;
  height: number;
  /** Named in errors so the user knows which mask to fix. */
  sourcePath: string;
}

export interface MapMaskResult {
  /** 1 foreground, 0 background; ignored pixels are 0 here and 0 in `weight`. */
  mask: MaskImage;
  /** 1 where the pixel is annotated, 0 where ignored; absent when no pixel was ignored (all weights 1). */
  weight?: MaskImage;
  ignoredPixels: number;
}

/** Applies a `MaskMapping` to raw mask values; see `MaskMapping` for the rules. */
export function mapMask(raw: PixelData, mapping: MaskMapping, options: MapMaskOptions): MapMaskResult {
  const { width, height, sourcePath } = options;
  const n = width * height;
  const mask = new Uint8Array(n);
  const weight = new Uint8Array(n).fill(1);
  let ignoredPixels = 0;
  if (mapping.kind === 'threshold') {
    for (let i = 0; i < n; i++) mask[i] = (raw[i] as number) > mapping.threshold ? 1 : 0;
    if (mapping.expected) checkExpectedValues(raw, n, mapping, sourcePath);
    return { mask: { width, height, data: mask }, ignoredPixels };
  }
  // Masks hold few distinct values, so classify each distinct value once.
  const labelOf = new Map<number, number | undefined>();
  const unlisted = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = raw[i] as number;
    let label = labelOf.get(v);
    if (label === undefined && !labelOf.has(v)) {
      label = classify(v, mapping);
      labelOf.set(v, label);
    }
    if (label === undefined) {
      unlisted.set(v, (unlisted.get(v) ?? 0) + 1);
      weight[i] = 0;
      ignoredPixels++;
    } else if (label === MASK_LABEL.ignore) {
      weight[i] = 0;
      ignoredPixels++;
    } else {
      mask[i] = label;
    }
  }
  const unlistedPixels = [...unlisted.values()].reduce((a, b) => a + b, 0);
  if (unlistedPixels > (mapping.maxUnlistedPixels ?? 0)) {
    throw new DataError(
      'MASK_VALUES',
      `${sourcePath}: ${unlistedPixels} mask pixels have values the mapping does not list: ${listValues(unlisted)} ` +
        `(foreground [${mapping.foreground.join(', ')}], background [${mapping.background.join(', ')}], ` +
        `ignore [${(mapping.ignore ?? []).join(', ')}], tolerance ${mapping.tolerance ?? 0})`,
      { path: sourcePath },
    );
  }
  return ignoredPixels === 0
    ? { mask: { width, height, data: mask }, ignoredPixels }
    : { mask: { width, height, data: mask }, weight: { width, height, data: weight }, ignoredPixels };
}

function checkExpectedValues(
  raw: PixelData,
  n: number,
  mapping: Extract<MaskMapping, { kind: 'threshold' }>,
  sourcePath: string,
): void {
  const expected = new Set(mapping.expected);
  const unexpected = new Map<number, number>();
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = raw[i] as number;
    if (expected.has(v)) continue;
    unexpected.set(v, (unexpected.get(v) ?? 0) + 1);
    count++;
  }
  if (count <= (mapping.maxUnexpectedPixels ?? 0)) return;
  throw new DataError(
    'MASK_VALUES',
    `${sourcePath}: ${count} mask pixels have values other than ${[...expected].join('/')}: ${listValues(unexpected)}. ` +
      'Choose the mapping that fits these masks with --mask-mapping (binary, axondeepseg, axondeepseg-testfiles, ' +
      'isbi-membrane) or name the foreground values with --mask-values (e.g. --mask-values 127,128)',
    { path: sourcePath },
  );
}

/** "value (count px), …" for the 8 most frequent values, for MASK_VALUES messages. */
function listValues(counts: Map<number, number>): string {
  const listing = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([value, count]) => `${value} (${count} px)`)
    .join(', ');
  return counts.size > 8 ? `${listing}, …` : listing;
}

function classify(value: number, mapping: Extract<MaskMapping, { kind: 'values' }>): number | undefined {
  const tolerance = mapping.tolerance ?? 0;
  const candidates: [readonly number[], number][] = [
    [mapping.foreground, MASK_LABEL.foreground],
    [mapping.background, MASK_LABEL.background],
    [mapping.ignore ?? [], MASK_LABEL.ignore],
  ];
  let best = Number.POSITIVE_INFINITY;
  let labels = new Set<number>();
  for (const [listed, label] of candidates) {
    for (const x of listed) {
      const d = Math.abs(value - x);
      if (d > tolerance || d > best) continue;
      if (d < best) {
        best = d;
        labels = new Set();
      }
      labels.add(label);
    }
  }
  if (labels.size === 0) return mapping.unlisted === 'background' ? MASK_LABEL.background : undefined;
  // Equally near to two classes: the annotation is ambiguous, so it must not train either way.
  if (labels.size > 1) return MASK_LABEL.ignore;
  return [...labels][0];
}
