// How long one MC scorePatch call blocks the daemon's event loop, with onnxruntime and with tfjs.
// A timer that should tick every 1 ms measures the longest gap while scorePatch runs.
//   npx tsx scripts/hardening/event-loop-block.ts [--patches 5] [--passes 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModelEngine } from '../../daemon/src/engine/model-engine.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { MICRO_PRESET } from '../../daemon/src/testing/micro-preset.js';
import { PRESETS } from '../../daemon/src/training/presets.js';

const { values } = parseArgs({
  options: { patches: { type: 'string', default: '5' }, passes: { type: 'string', default: '20' } },
});
const backend = await selectBackend({ purpose: 'train' });
const preset = {
  ...PRESETS.tiny,
  unet: MICRO_PRESET.unet,
  patchSize: MICRO_PRESET.patchSize,
  scale: 0.25,
  mcPasses: Number(values.passes),
};
const size = 512;
const patch = Float32Array.from({ length: size * size }, (_, i) => ((i * 2654435761) % 255) / 255);
for (const onnx of [true, false]) {
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-elb-'));
  try {
    const engine = await createModelEngine({ modelsDir: dir, preset, tfjsBackend: backend.name, onnx, seed: 1 });
    const ac = new AbortController();
    await engine.train({
      patches: [{ slideId: 's', col: 0, row: 0, size }],
      loadPatch: async () => ({
        size,
        image: patch,
        labels: patch.map((v) => (v > 0.5 ? 1 : 0)) as unknown as Uint8Array,
        weight: new Uint8Array(size * size).fill(1),
      }),
      mode: 'scratch',
      epochs: 1,
      signal: ac.signal,
      onProgress: () => {},
    });
    await engine.scorePatch(patch, size, ac.signal); // warm-up: builds the runner for this size
    const walls: number[] = [];
    const gaps: number[] = [];
    for (let i = 0; i < Number(values.patches); i++) {
      let last = performance.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 1);
      const t = performance.now();
      await engine.scorePatch(patch, size, ac.signal);
      walls.push(performance.now() - t);
      clearInterval(timer);
      maxGap = Math.max(maxGap, performance.now() - last);
      gaps.push(maxGap);
    }
    const r = (v: number) => Math.round(v);
    console.log(
      JSON.stringify({
        runtime: onnx ? 'onnx (requested)' : 'tfjs',
        backend: engine.backendName,
        passes: preset.mcPasses,
        wallMs: walls.map(r),
        longestEventLoopStallMs: gaps.map(r),
      }),
    );
    await engine.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
