/**
 * How an exported model's dropout masks are fed: the exporter writes one spec per dropout layer into the model's
 * metadata, and the engine reads them back to size and fill the mask inputs for each run.
 */

/** Metadata key holding the JSON list of `DropoutMaskSpec`s. */
export const DROPOUT_MASKS_KEY = 'activeseg.dropoutMasks';
/** Metadata key holding the export-time dropout seed (absent: unseeded). */
export const DROPOUT_SEED_KEY = 'activeseg.dropoutSeed';
/** Metadata key of a model whose input has batch 1 and whose masks set the passes' batch (exportOnnx `sharedPrefix`). */
export const SHARED_PREFIX_KEY = 'activeseg.sharedPrefix';

/** One op between the model input and a tensor that changes height and width. */
export interface SpatialStep {
  /** 'down': conv or pooling window; 'up': transposed conv. */
  op: 'down' | 'up';
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  padding: 'same' | 'valid';
}

export interface DropoutMaskSpec {
  /** Graph input that receives the mask, float32 NCHW [batch, channels, height, width]. */
  input: string;
  rate: number;
  /**
   * Value of a kept element: 1 where the 1/(1 − rate) rescale is folded into the weights of the convs that read the
   * dropout output, else 1/(1 − rate).
   */
  keep: number;
  channels: number;
  /** The ops from the model input to the dropped tensor that change its size, in order. */
  steps: SpatialStep[];
}

/** Height and width after `steps` for an input of `height`×`width`, with TF's 'same'/'valid' size rules. */
export function spatialSize(steps: readonly SpatialStep[], height: number, width: number): [number, number] {
  let size: [number, number] = [height, width];
  for (const step of steps) {
    size = [axisSize(step, 0, size[0]), axisSize(step, 1, size[1])];
  }
  return size;
}

function axisSize(step: SpatialStep, axis: 0 | 1, n: number): number {
  const k = step.kernel[axis];
  const s = step.stride[axis];
  if (step.op === 'up') return step.padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
  if (step.padding === 'same') return Math.ceil(n / s);
  const effective = (k - 1) * step.dilation[axis] + 1;
  return Math.floor((n - effective) / s) + 1;
}

/** Reads the specs back from an exported model's metadata; an empty list when the model has no mask inputs. */
export function parseDropoutMaskSpecs(metadata: readonly { key: string; value: string }[]): DropoutMaskSpec[] {
  const entry = metadata.find((prop) => prop.key === DROPOUT_MASKS_KEY);
  if (entry === undefined) return [];
  const parsed: unknown = JSON.parse(entry.value);
  if (!Array.isArray(parsed)) throw new Error(`${DROPOUT_MASKS_KEY}: expected a JSON array`);
  return parsed as DropoutMaskSpec[];
}

export function parseDropoutSeed(metadata: readonly { key: string; value: string }[]): number | undefined {
  const entry = metadata.find((prop) => prop.key === DROPOUT_SEED_KEY);
  if (entry === undefined) return undefined;
  const seed = Number(entry.value);
  if (!Number.isFinite(seed)) throw new Error(`${DROPOUT_SEED_KEY}: not a number: '${entry.value}'`);
  return seed;
}
