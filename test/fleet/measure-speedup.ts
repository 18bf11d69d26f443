/**
 * Fleet speed-up, 1 → 3 workers, on the demo slide (12 patches of 512²): `npx tsx test/fleet/measure-speedup.ts`.
 * Not a test (timings on shared CPUs are noise for an assertion); docs/fleet.md records its output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../daemon/src/app.js';
import { composeProject } from '../../daemon/src/compose-project.js';
import { parseConfig } from '../../daemon/src/config.js';
import { createModelEngine } from '../../daemon/src/engine/model-engine.js';
import { fleetJobBackend } from '../../daemon/src/fleet/create-fleet-job-queue.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { DEMO_IMAGE, FLEET_PRESET, spawnWorker, startRedis } from './fleet-fixture.js';

async function main(): Promise<void> {
  const redis = await startRedis();
  await selectBackend({ purpose: 'train', prefer: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-speedup-'));
  const engine = await createModelEngine({
    modelsDir: join(dir, 'models'),
    preset: FLEET_PRESET,
    tfjsBackend: 'wasm',
    onnx: false,
  });
  const size = 128;
  await engine.train({
    patches: [{ slideId: 'synthetic', col: 0, row: 0, size }],
    loadPatch: async () => ({
      size,
      image: new Float32Array(size * size).map((_, i) => (i % 7) / 7),
      labels: new Uint8Array(size * size).map((_, i) => (i % 3 === 0 ? 1 : 0)),
      weight: new Uint8Array(size * size).fill(1),
    }),
    mode: 'scratch',
    epochs: 1,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  const config = parseConfig({});
  const project = composeProject({
    projectDir: dir,
    config,
    engine,
    log: () => {},
    jobBackend: fleetJobBackend({
      redisUrl: redis.url,
      engine,
      batchCells: Number(process.env.BATCH_CELLS ?? 1),
      log: () => {},
    }),
  });
  const app = createApp({ project, token: 'speedup-token-0123456', allowedOrigins: new Set(), log: () => {} });
  const res = await app.request('/api/slides', {
    method: 'POST',
    headers: { authorization: 'Bearer speedup-token-0123456', 'content-type': 'application/json' },
    body: JSON.stringify({ path: DEMO_IMAGE }),
  });
  const slideId = ((await res.json()) as { id: string }).id;
  const results: string[] = [];
  for (const n of [1, 2, 3]) {
    const workers = Array.from({ length: n }, (_, i) =>
      spawnWorker({ name: `w${i + 1}`, redisUrl: redis.url, projectDir: dir }),
    );
    await Promise.all(workers.map((w) => w.waitFor(/ready/, 120_000)));
    const t0 = Date.now();
    project.jobs.start({ kind: 'infer', slideId });
    await project.jobs.idle();
    const ms = Date.now() - t0;
    const rows = project.store.db.prepare('SELECT COUNT(*) AS n FROM scores WHERE slide_id = ?').get(slideId) as {
      n: number;
    };
    results.push(`${n} worker(s): ${rows.n} patches in ${ms} ms`);
    console.log(results.at(-1));
    project.store.db.prepare('DELETE FROM scores WHERE slide_id = ?').run(slideId);
    await Promise.all(workers.map((w) => w.stop()));
  }
  await project.close();
  await engine.dispose();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(results.join('\n'));
}

void main();
