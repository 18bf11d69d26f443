import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../model/test-utils.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig } from '../model/unet-config.js';
import { createTrainStepEngine, parseTrainStepEngine, resolveTrainStepEngine } from './train-step-engine.js';

describe('train-step engine choice', () => {
  beforeAll(useCpuBackend);

  it('auto picks onnxruntime on a CPU tfjs backend, tfjs when asked', async () => {
    expect((await resolveTrainStepEngine('auto')).engine).toBe('onnxruntime');
    expect((await resolveTrainStepEngine('tfjs')).engine).toBe('tfjs');
  });

  it('rejects an unknown --train-engine value naming the choices', () => {
    expect(() => parseTrainStepEngine('torch')).toThrow(/auto, onnxruntime, tfjs.*"torch"/);
  });

  it('gives the same losses and, after syncModel, the same weights on both engines (dropout off)', async () => {
    const config = parseUnetConfig({ inputSize: 32, levels: 2, baseFilters: 4, dropoutRate: 0, initSeed: 9 });
    const results = [];
    for (const engine of ['onnxruntime', 'tfjs'] as const) {
      const model = createUnet(config);
      const stepper = await createTrainStepEngine({ model, config, learningRate: 1e-2, epochs: 5, seed: 1, engine });
      expect(stepper.engine).toBe(engine);
      const losses: number[] = [];
      for (let s = 0; s < 2; s++) {
        const images = new Float32Array(2 * 32 * 32).map((_, i) => Math.sin(i * 0.21 + s));
        const masks = images.map((v) => (v > 0.4 ? 1 : 0));
        losses.push(await stepper.step({ images, masks, batch: 2, size: 32, loss: 'dice' }));
      }
      await stepper.syncModel();
      const kernel = model.getLayer('head').getWeights()[0]?.dataSync() as Float32Array;
      results.push({ losses, kernel: Float32Array.from(kernel) });
      await stepper.dispose();
      model.dispose();
    }
    const [onnx, tfjs] = results as [(typeof results)[0], (typeof results)[0]];
    for (const [i, l] of onnx.losses.entries()) expect(l).toBeCloseTo(tfjs.losses[i] as number, 4);
    let diff = 0;
    for (let i = 0; i < onnx.kernel.length; i++)
      diff = Math.max(diff, Math.abs((onnx.kernel[i] as number) - (tfjs.kernel[i] as number)));
    expect(diff).toBeLessThan(1e-4);
  });
});
