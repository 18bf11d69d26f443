import type { RleMask } from '@activeseg/protocol';

export interface DecodeRleOptions {
  width: number;
  height: number;
}

/**
 * Encodes a binary mask (any non-zero byte is foreground) as the protocol's RleMask: row-major runs that
 * alternate background/foreground and always start with background, so a mask whose first pixel is
 * foreground begins with a 0 run. Counts sum to `mask.length`.
 */
export function encodeRle(mask: Uint8Array): RleMask {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]! === 0 ? 0 : 1;
    if (v === current) {
      run++;
    } else {
      counts.push(run);
      current = v;
      run = 1;
    }
  }
  counts.push(run);
  return { encoding: 'rle', counts };
}

/** Decodes an RleMask into a 0/1 mask of width × height; throws when the counts do not cover it exactly. */
export function decodeRle(rle: RleMask, options: DecodeRleOptions): Uint8Array {
  const total = options.width * options.height;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    const n = rle.counts[i]!;
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`decodeRle: count ${i} is ${n}, not a non-negative integer`);
    if (pos + n > total) throw new RangeError(`decodeRle: counts exceed ${options.width}×${options.height} = ${total}`);
    // Odd-indexed runs are foreground because the first run is background.
    if (i % 2 === 1) out.fill(1, pos, pos + n);
    pos += n;
  }
  if (pos !== total) throw new RangeError(`decodeRle: counts sum to ${pos}, expected ${total}`);
  return out;
}
