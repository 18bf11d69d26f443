import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend } from '../model/backend.js';
import { createUnet, parseUnetConfig, predictProbabilities, unetMultiplyAdds, unetSpec } from '../model/index.js';
import { getPreset } from '../training/presets.js';
import { createTrainStepEngine } from '../training/train-step-engine.js';

export const DOCTOR_USAGE = `activeseg doctor [--preset tem|sbem|tiny] [--backend <name>]

Says which compute backend activeseg uses and why each other one is not used, then measures one forward pass of the
preset's U-Net (random weights) on it, and on onnxruntime when that is installed, and one training step on the
engine training would use.`;

async function timeIt(fn: () => unknown | Promise<unknown>, repeats: number): Promise<number> {
  await fn(); // warm-up: first calls compile kernels / allocate
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - t0) / repeats;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'tem' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(DOCTOR_USAGE);
    return 0;
  }
  const preset = getPreset(values.preset);
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const selection = await selectBackend({ purpose: 'train', ...(values.backend ? { prefer: values.backend } : {}) });
  console.log(`tfjs backend: ${selection.name}`);
  for (const r of selection.reasons) console.log(`  ${r.backend.padEnd(14)} ${r.available ? 'yes' : 'no '}  ${r.why}`);

  const config = parseUnetConfig({ ...preset.unet, initSeed: 1 });
  const size = config.inputSize;
  const flops = 2 * unetMultiplyAdds(unetSpec(config));
  const model = createUnet(config);
  const input = new Float32Array(size * size).map((_, i) => Math.sin(i));
  const repeats = size >= 256 ? 1 : 5;
  const tfMs = await timeIt(() => predictProbabilities(model, input, { size, batchSize: 1 }), repeats);
  console.log(
    `U-Net ${preset.name} (${size}², ${config.levels} levels, base ${config.baseFilters}): ${(flops / 1e9).toFixed(2)} GFLOP per patch`,
  );
  console.log(
    `  tfjs ${selection.name}: ${tfMs.toFixed(1)} ms per patch forward (${(flops / 1e6 / tfMs).toFixed(1)} GFLOP/s)`,
  );
  try {
    const { exportOnnx } = await import('../onnx/export-onnx.js');
    const { createOnnxMcSession } = await import('../onnx/onnx-mc-session.js');
    const engine = await createOnnxMcSession({ model: exportOnnx(model, { mcDropout: true }) });
    const onnxMs = await timeIt(() => engine.predict(input, 1, size), repeats);
    console.log(
      `  onnxruntime cpu: ${onnxMs.toFixed(1)} ms per patch forward (${(flops / 1e6 / onnxMs).toFixed(1)} GFLOP/s); used for Monte-Carlo inference`,
    );
    await engine.dispose();
  } catch (err) {
    console.log(`  onnxruntime: not available (${(err as Error).message}); Monte-Carlo inference runs on tfjs`);
  }
  // Training: one step on the engine trainModel would pick (the paper model's 512² steps take seconds: batch 1).
  const batch = size >= 256 ? 1 : preset.batchSize;
  const stepper = await createTrainStepEngine({
    model,
    config,
    learningRate: preset.learningRate,
    epochs: 100,
    seed: 1,
  });
  const images = new Float32Array(batch * size * size).map((_, i) => Math.sin(i * 0.37));
  const masks = images.map((v) => (v > 0.3 ? 1 : 0));
  const step = () => stepper.step({ images, masks, batch, size, loss: config.loss });
  const stepMs = await timeIt(step, size >= 256 ? 1 : 3);
  const engineName =
    stepper.engine === 'onnxruntime' ? 'onnxruntime cpu (activeseg training graph)' : `tfjs ${selection.name}`;
  console.log(
    `  training: ${engineName}: ${(stepMs / batch).toFixed(1)} ms per image per step (batch ${batch}, ${((3 * flops * batch) / 1e6 / stepMs).toFixed(1)} GFLOP/s)${stepper.fallbackReason ? `; ${stepper.fallbackReason}` : ''}`,
  );
  await stepper.dispose();
  model.dispose();
  return 0;
}
