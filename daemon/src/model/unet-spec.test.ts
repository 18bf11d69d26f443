import { describe, expect, it } from 'vitest';
import { parseUnetConfig } from './unet-config.js';
import { unetMultiplyAdds, unetSpec } from './unet-spec.js';

describe('unetSpec', () => {
  it('lists the paper layer sequence of one level with the shapes of each layer', () => {
    const spec = unetSpec(parseUnetConfig({ inputSize: 8, levels: 2, baseFilters: 2 }));
    expect(spec.map((l) => `${l.name}:${l.shape.join('x')}`)).toEqual([
      'image:8x8x1',
      'enc1_conv1:8x8x2',
      'enc1_bn1:8x8x2',
      'enc1_relu1:8x8x2',
      'enc1_conv2:8x8x2',
      'enc1_bn2:8x8x2',
      'enc1_relu2:8x8x2',
      'pool1:4x4x2',
      'drop_pool1:4x4x2',
      'enc2_conv1:4x4x4',
      'enc2_bn1:4x4x4',
      'enc2_relu1:4x4x4',
      'enc2_conv2:4x4x4',
      'enc2_bn2:4x4x4',
      'enc2_relu2:4x4x4',
      'up1:8x8x2',
      'concat1:8x8x4',
      'drop_concat1:8x8x4',
      'dec1_conv1:8x8x2',
      'dec1_bn1:8x8x2',
      'dec1_relu1:8x8x2',
      'dec1_conv2:8x8x2',
      'dec1_bn2:8x8x2',
      'dec1_relu2:8x8x2',
      'head:8x8x1',
    ]);
    expect(spec.find((l) => l.name === 'concat1')?.inputs).toEqual(['up1', 'enc1_relu2']);
  });

  it('numbers the dropout layers in forward order and drops the decoder ones with decoderDropout false', () => {
    const dropouts = (decoderDropout: boolean) =>
      unetSpec(parseUnetConfig({ inputSize: 16, levels: 3, baseFilters: 2, decoderDropout }))
        .filter((l) => l.kind === 'dropout')
        .map((l) => `${l.index}:${l.name}`);
    expect(dropouts(true)).toEqual(['0:drop_pool1', '1:drop_pool2', '2:drop_concat2', '3:drop_concat1']);
    expect(dropouts(false)).toEqual(['0:drop_pool1', '1:drop_pool2']);
  });
});

describe('unetMultiplyAdds', () => {
  it('matches a hand count for a 4×4, 2-level, 2-filter U-Net', () => {
    const spec = unetSpec(parseUnetConfig({ inputSize: 4, levels: 2, baseFilters: 2 }));
    const enc1 = 16 * 9 * 1 * 2 + 16 * 9 * 2 * 2; // 288 + 576
    const enc2 = 4 * 9 * 2 * 4 + 4 * 9 * 4 * 4; // 288 + 576 on 2×2
    const up1 = 4 * (2 * 2) * 4 * 2; // 2×2 input pixels, each a 2×2 kernel of 4 → 2 channels: 128
    const dec1 = 16 * 9 * 4 * 2 + 16 * 9 * 2 * 2; // 1152 + 576
    const head = 16 * 2;
    expect(unetMultiplyAdds(spec)).toBe(enc1 + enc2 + up1 + dec1 + head);
    expect(unetMultiplyAdds(spec)).toBe(3616);
  });

  it('scales with the pixel count', () => {
    const small = parseUnetConfig({ inputSize: 64, levels: 3, baseFilters: 4 });
    expect(unetMultiplyAdds(unetSpec({ ...small, inputSize: 128 }))).toBe(4 * unetMultiplyAdds(unetSpec(small)));
  });
});
