/**
 * Engine comparison for the U-Net: Monte-Carlo forward and training step on tfjs wasm, tfjs cpu and onnxruntime-node,
 * with the same network in PyTorch (daemon/bench/pytorch_unet.py) as the peer reference when `import torch` works.
 *
 *   npm run bench                # full: more repetitions, tfjs cpu forward, paper-model wasm training attempt
 *   npm run bench -- --quick     # < 10 min on 2 cores
 *   npm run bench -- --no-pytorch
 *   npm run bench -- --only-loop # just the loop latency (daemon/bench/loop-latency.ts; 10 rounds, 3 with --quick)
 *   npm run bench -- --quick --speed-only   # only issue #18's three lines (≈ 1 min idle)
 *   npm run bench -- --speed-only           # the same, slide throughput on a whole gigapixel slide (≈ 6 min)
 *
 * It starts with issue #18's three lines (`slide throughput …`, `tiles while scoring …`, `mc efficiency …`, key=value;
 * see speed-report.ts) on the daemon as it ships, and repeats them at the end.
 *
 * Every measurement runs in its own child process (this file with `--worker`), so the peak RSS reported for it is its
 * own (maxRSS never goes down within a process) and a wasm heap exhaustion cannot poison the next measurement.
 * Writes runs/bench/bench.json and prints a table plus one `ratio` line per comparison with PyTorch.
 *
 * FLOP convention: forward = 2 × unetMultiplyAdds (3×3 convs, 2×2 transposed convs, 1×1 head; BN/ReLU/pool/dropout
 * ignored); training step = 3 × forward (forward + input gradients + weight gradients), per image.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOOP_RESULT_PREFIX, type LoopLatencyReport, loopLatencyLine } from './loop-latency-report.js';

type EngineName = 'tfjs-wasm' | 'tfjs-cpu' | 'onnxruntime' | 'pytorch';
type ModelName = 'small' | 'paper';
type Kind = 'mc-forward' | 'train';

interface ModelSpec {
  label: string;
  baseFilters: number;
  inputSize: number;
  levels: number;
}

const MODELS: Record<ModelName, ModelSpec> = {
  small: { label: 'base 8, 128², 5 levels', baseFilters: 8, inputSize: 128, levels: 5 },
  paper: { label: 'paper: base 32, 512², 5 levels', baseFilters: 32, inputSize: 512, levels: 5 },
};

interface CaseSpec {
  engine: Exclude<EngineName, 'pytorch'>;
  model: ModelName;
  kind: Kind;
  /** MC passes per batch (forward) or images per training batch. */
  batch: number;
  reps: number;
}

interface CaseResult {
  engine: EngineName;
  model: ModelName;
  kind: Kind;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  batch?: number;
  reps?: number;
  msPerImage?: number;
  gflops?: number;
  /** CPU time / wall time while timing: on a shared 2-core machine, < 2 means neighbours took cores. */
  coresBusy?: number;
  peakRssMb?: number;
  /** RSS once the runtime was loaded, before the model existed: what the peak is on top of. */
  baseRssMb?: number;
  detail?: string;
}

const RESULT_PREFIX = 'BENCH_RESULT ';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

function peakRssMb(): number {
  // resourceUsage().maxRSS is in KiB.
  return process.resourceUsage().maxRSS / 1024;
}

/** Multiply-adds of one forward pass, from the U-Net spec the daemon builds its model from. */
async function multiplyAdds(model: ModelName): Promise<number> {
  const { unetMultiplyAdds, unetSpec } = await import('../src/model/unet-spec.js');
  const { parseUnetConfig } = await import('../src/model/unet-config.js');
  const m = MODELS[model];
  return unetMultiplyAdds(
    unetSpec(parseUnetConfig({ baseFilters: m.baseFilters, inputSize: m.inputSize, levels: m.levels })),
  );
}

interface Timed {
  ms: number;
  cpuMs: number;
}

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<Timed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// Worker side: one measurement per process.

async function runWorker(spec: CaseSpec): Promise<CaseResult> {
  const { selectBackend } = await import('../src/model/backend.js');
  const { createUnet } = await import('../src/model/unet.js');
  const { parseUnetConfig } = await import('../src/model/unet-config.js');
  const { randomizeNormalization } = await import('../src/onnx/randomize-normalization.js');
  const m = MODELS[spec.model];
  const config = parseUnetConfig({
    baseFilters: m.baseFilters,
    inputSize: m.inputSize,
    levels: m.levels,
    dropoutRate: 0.2,
    initSeed: 1,
  });
  const macs = await multiplyAdds(spec.model);
  const base = { engine: spec.engine, model: spec.model, kind: spec.kind, batch: spec.batch, reps: spec.reps };
  const want = spec.engine === 'tfjs-cpu' ? 'cpu' : spec.engine === 'tfjs-wasm' ? 'wasm' : 'cpu';
  // onnxruntime only needs tfjs to build and export the model: the cpu backend does that without wasm init cost.
  const selection = await selectBackend({ prefer: want, purpose: spec.kind === 'train' ? 'train' : 'infer' });
  if (selection.name !== want) {
    return { ...base, status: 'failed', reason: `tfjs backend ${want} unavailable: got ${selection.name}` };
  }
  const baseRssMb = rssMb();
  const size = config.inputSize;
  const patch = new Float32Array(size * size);
  for (let i = 0; i < patch.length; i++) patch[i] = Math.sin(i * 0.37) * 1.5;
  const model = createUnet(config);
  randomizeNormalization(model);
  const times: Timed[] = [];

  if (spec.kind === 'mc-forward' && spec.engine === 'onnxruntime') {
    const { exportOnnx } = await import('../src/onnx/export-onnx.js');
    const { createOnnxMcSession } = await import('../src/onnx/onnx-mc-session.js');
    const engine = await createOnnxMcSession({ model: exportOnnx(model, { mcDropout: true }) });
    model.dispose();
    const run = () => engine.mcPredict(patch, size, { passes: spec.batch, batchSize: spec.batch });
    await run(); // warm-up: arena allocation, kernel selection
    for (let r = 0; r < spec.reps; r++) times.push(await timeIt(run));
    await engine.dispose();
  } else if (spec.kind === 'mc-forward') {
    const { mcPredict } = await import('../src/model/segmenter.js');
    const run = () => mcPredict(model, patch, { passes: spec.batch, batchSize: spec.batch });
    run(); // warm-up: the first run packs weights and creates the XNNPACK operators
    for (let r = 0; r < spec.reps; r++) times.push(await timeIt(run));
    model.dispose();
  } else {
    if (spec.engine === 'tfjs-cpu') return { ...base, status: 'skipped', reason: 'cpu is forward-only here' };
    const { createPaperOptimizer } = await import('../src/model/optimizer.js');
    const { trainStep } = await import('../src/model/train-step.js');
    const { createOnnxTrainer } = await import('../src/onnx-train/onnx-trainer.js');
    const n = spec.batch * size * size;
    const images = new Float32Array(n);
    const masks = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      images[i] = Math.sin(i * 0.37) * 1.5;
      masks[i] = Math.sin(i * 0.11) > 0.4 ? 1 : 0;
    }
    const input = { images, masks, batch: spec.batch, size, loss: 'dice' as const };
    const optimizer = spec.engine === 'tfjs-wasm' ? createPaperOptimizer({ lr: 1e-3, epochs: 100 }) : undefined;
    // onnxruntime: the activeseg training graph (forward, hand-written backward, batch-moment BatchNorm, dropout).
    const trainer =
      spec.engine === 'onnxruntime'
        ? await createOnnxTrainer({ model, config, learningRate: 1e-3, epochs: 100, seed: 1 })
        : undefined;
    const step = () =>
      trainer ? trainer.step(input) : trainStep(model, optimizer as NonNullable<typeof optimizer>, input);
    try {
      await step(); // warm-up: Adam slots, kernel setup, onnxruntime's arena
      for (let r = 0; r < spec.reps; r++) times.push(await timeIt(step));
    } catch (error) {
      const wasmHeap = spec.engine === 'tfjs-wasm' && /Aborted|out of bounds/.test(message(error));
      return {
        ...base,
        status: 'failed',
        // An emscripten "Aborted()" or an out-of-bounds trap after a failed allocation is how running out of the
        // 4 GiB wasm32 heap shows up (which of the two depends on where the allocation fails).
        reason: `${spec.engine} train step failed: ${message(error).slice(0, 120)}${wasmHeap ? ' (wasm32 heap, max 4 GiB, exhausted)' : ''}`,
        peakRssMb: peakRssMb(),
        baseRssMb,
      };
    } finally {
      optimizer?.dispose();
      await trainer?.dispose();
    }
    model.dispose();
  }
  const ms = median(times.map((t) => t.ms));
  const cpuMs = median(times.map((t) => t.cpuMs));
  const msPerImage = ms / spec.batch;
  const flops = 2 * macs * (spec.kind === 'train' ? 3 : 1);
  return {
    ...base,
    status: 'ok',
    msPerImage,
    gflops: flops / (msPerImage / 1000) / 1e9,
    coresBusy: cpuMs / ms,
    peakRssMb: peakRssMb(),
    baseRssMb,
    detail: `${selection.reasons.find((r) => r.available)?.why ?? ''}; batch times ms: ${times.map((t) => t.ms.toFixed(0)).join(' ')}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Driver side.

function runCase(spec: CaseSpec, timeoutS: number): CaseResult {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, self, '--worker', JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: timeoutS * 1000,
    cwd: repoRoot,
  });
  const line = child.stdout
    ?.split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line !== undefined) return JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult;
  const base = { engine: spec.engine, model: spec.model, kind: spec.kind, batch: spec.batch };
  if (child.error !== undefined && 'code' in child.error && child.error.code === 'ETIMEDOUT') {
    return { ...base, status: 'failed', reason: `timed out after ${timeoutS} s` };
  }
  // No result line: the worker died (e.g. wasm abort or OOM kill); its last stderr lines say why.
  const tail = (child.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  return { ...base, status: 'failed', reason: `worker exited ${child.status ?? child.signal}: ${tail}` };
}

interface PythonInfo {
  exe?: string;
  version?: string;
  why?: string;
}

function findTorch(): PythonInfo {
  // Debian's python3-torch lives in /usr/lib/python3/dist-packages, visible to /usr/bin/python3 only (PATH may
  // hold a pyenv interpreter without it).
  const tried: string[] = [];
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { exe, version: r.stdout.trim() };
    tried.push(`${exe}: ${r.error ? message(r.error) : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { why: `PyTorch not importable (${tried.join('; ')}); install with apt-get install python3-torch` };
}

interface TorchModelResult {
  forward: { batch: number; ms_per_img: number; cores_busy: number; peak_rss_mb: number };
  train?: { batch: number; ms_per_img: number; cores_busy: number; peak_rss_mb: number; losses: number[] };
}

async function runPytorch(
  py: PythonInfo,
  model: ModelName,
  settings: { batch: number; fwdReps: number; trainBatch: number; trainReps: number },
  timeoutS: number,
): Promise<CaseResult[]> {
  const m = MODELS[model];
  const fail = (reason: string): CaseResult[] =>
    (['mc-forward', 'train'] as const).map((kind) => ({ engine: 'pytorch', model, kind, status: 'failed', reason }));
  if (py.exe === undefined) {
    return (['mc-forward', 'train'] as const).map((kind) => ({
      engine: 'pytorch',
      model,
      kind,
      status: 'skipped',
      reason: py.why ?? 'PyTorch not available',
    }));
  }
  const args = [
    path.join(here, 'pytorch_unet.py'),
    ...['--base', String(m.baseFilters), '--size', String(m.inputSize), '--levels', String(m.levels)],
    ...['--batch', String(settings.batch), '--forward-reps', String(settings.fwdReps)],
    ...['--train-batch', String(settings.trainBatch), '--train-reps', String(settings.trainReps), '--threads', '2'],
  ];
  const r = spawnSync(py.exe, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) return fail(`pytorch_unet.py exited ${r.status ?? r.signal}: ${r.stderr.trim().slice(-300)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as TorchModelResult;
  const macs = await multiplyAdds(model);
  const results: CaseResult[] = [
    {
      engine: 'pytorch',
      model,
      kind: 'mc-forward',
      status: 'ok',
      batch: out.forward.batch,
      reps: settings.fwdReps,
      msPerImage: out.forward.ms_per_img,
      gflops: (2 * macs) / (out.forward.ms_per_img / 1000) / 1e9,
      coresBusy: out.forward.cores_busy,
      peakRssMb: out.forward.peak_rss_mb,
      detail: `torch ${py.version}, ${py.exe}, 2 threads`,
    },
  ];
  if (out.train) {
    results.push({
      engine: 'pytorch',
      model,
      kind: 'train',
      status: 'ok',
      batch: out.train.batch,
      reps: settings.trainReps,
      msPerImage: out.train.ms_per_img,
      gflops: (6 * macs) / (out.train.ms_per_img / 1000) / 1e9,
      coresBusy: out.train.cores_busy,
      peakRssMb: out.train.peak_rss_mb,
      detail: `Adam, Dice; losses ${out.train.losses.map((l) => l.toFixed(3)).join(' ')}`,
    });
  }
  return results;
}

function cpuModelName(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

function printTable(results: CaseResult[]): void {
  const header = ['model', 'engine', 'measure', 'batch', 'ms/img', 'GFLOP/s', 'cores busy', 'peak RSS MB', 'note'];
  const rows = results.map((r) => [
    MODELS[r.model].label,
    r.engine,
    r.kind === 'mc-forward' ? 'MC forward (per pass)' : 'train step',
    r.batch === undefined ? '' : String(r.batch),
    r.status === 'ok' ? fmt(r.msPerImage) : r.status,
    fmt(r.gflops),
    fmt(r.coresBusy, 2),
    fmt(r.peakRssMb, 0),
    r.status === 'ok' ? '' : (r.reason ?? ''),
  ]);
  console.log(`\n| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

interface Ratio {
  model: ModelName;
  kind: Kind;
  engine: EngineName;
  ratio?: number;
  activesegMs?: number;
  pytorchMs?: number;
  why?: string;
}

function ratios(results: CaseResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const model of ['small', 'paper'] as const) {
    for (const kind of ['mc-forward', 'train'] as const) {
      const torch = results.find((r) => r.engine === 'pytorch' && r.model === model && r.kind === kind);
      for (const r of results) {
        if (r.engine === 'pytorch' || r.model !== model || r.kind !== kind) continue;
        if (r.status !== 'ok' || r.msPerImage === undefined) {
          out.push({ model, kind, engine: r.engine, why: `activeseg ${r.status}: ${r.reason ?? ''}` });
        } else if (torch?.status !== 'ok' || torch.msPerImage === undefined) {
          out.push({
            model,
            kind,
            engine: r.engine,
            activesegMs: r.msPerImage,
            why: torch?.reason ?? 'no PyTorch run',
          });
        } else {
          out.push({
            model,
            kind,
            engine: r.engine,
            ratio: r.msPerImage / torch.msPerImage,
            activesegMs: r.msPerImage,
            pytorchMs: torch.msPerImage,
          });
        }
      }
    }
  }
  return out;
}

/**
 * `loop latency` (daemon/bench/loop-latency.ts) in a child process: its own daemon, engine and peak RSS. Prints the
 * rounds and the one `loop latency` line; returns the report (or why there is none).
 */
function runLoopLatency(rounds: number, timeoutS: number): LoopLatencyReport | { failed: string } {
  console.log(`loop latency, ${rounds} rounds (annotation → fine-tune → viewport overlay at the new version) …`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, path.join(here, 'loop-latency.ts'), '--rounds', String(rounds), '--result'],
    { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 * 2 ** 20, cwd: repoRoot },
  );
  const lines = (child.stdout ?? '').split('\n');
  for (const line of lines) if (line.startsWith('  round ')) console.log(line);
  const result = lines.find((l) => l.startsWith(LOOP_RESULT_PREFIX));
  if (result === undefined) {
    const why = `exited ${child.status ?? child.signal}: ${(child.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`;
    console.log(`loop latency: failed (${why})`);
    return { failed: why };
  }
  const report = JSON.parse(result.slice(LOOP_RESULT_PREFIX.length)) as LoopLatencyReport;
  console.log(loopLatencyLine(report));
  return report;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-pytorch': { type: 'boolean', default: false },
      'speed-only': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(repoRoot, 'runs/bench/bench.json') },
      worker: { type: 'string' },
      'only-loop': { type: 'boolean', default: false },
    },
  });
  if (values.worker !== undefined) {
    let result: CaseResult;
    const spec = JSON.parse(values.worker) as CaseSpec;
    try {
      result = await runWorker(spec);
    } catch (error) {
      result = { ...spec, status: 'failed', reason: message(error).slice(0, 300), peakRssMb: peakRssMb() };
    }
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    process.exit(0); // wasm/onnxruntime thread pools can keep the loop alive
  }

  const quick = values.quick;
  const started = performance.now();
  const machine = {
    cpu: cpuModelName(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(
    `activeseg bench (${quick ? 'quick' : 'full'}): ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}`,
  );
  console.log('timings are wall-clock medians on a shared machine: "cores busy" < cores means neighbours took CPU');

  // Issue #18's three lines first (key=value, for scripts), on the daemon as it ships.
  const { speedReport } = await import('./speed-report.js');
  const speed = await speedReport({ quick, log: (l) => console.log(l) });
  for (const line of speed.lines) console.log(line);
  if (values['speed-only']) {
    writeReport(values.out, { mode: quick ? 'quick' : 'full', date: new Date().toISOString(), machine, speed });
    process.exit(0); // onnxruntime's thread pool can keep the loop alive
  }

  const reps = (q: number, f: number) => (quick ? q : f);
  const loop = runLoopLatency(reps(3, 10), quick ? 900 : 1800);
  if (values['only-loop']) return;
  const specs: CaseSpec[] = [
    { engine: 'tfjs-wasm', model: 'small', kind: 'mc-forward', batch: 10, reps: reps(3, 5) },
    { engine: 'tfjs-wasm', model: 'small', kind: 'train', batch: 5, reps: reps(3, 5) },
    { engine: 'onnxruntime', model: 'small', kind: 'train', batch: 5, reps: reps(5, 10) },
    { engine: 'onnxruntime', model: 'small', kind: 'mc-forward', batch: 10, reps: reps(10, 20) },
    ...(quick ? [] : [{ engine: 'tfjs-cpu', model: 'small', kind: 'mc-forward', batch: 10, reps: 1 } as const]),
    // Paper model on wasm: ~4 s per pass single-threaded, so small batches; batch 10 would also crowd the 4 GiB heap.
    { engine: 'tfjs-wasm', model: 'paper', kind: 'mc-forward', batch: 2, reps: reps(1, 2) },
    { engine: 'onnxruntime', model: 'paper', kind: 'mc-forward', batch: 10, reps: reps(1, 3) },
    // Paper model, one 512² image per step: the graph keeps every activation for the backward pass (~3 GB).
    { engine: 'onnxruntime', model: 'paper', kind: 'train', batch: 1, reps: reps(1, 3) },
  ];
  const results: CaseResult[] = [];
  for (const spec of specs) {
    const t0 = performance.now();
    process.stdout.write(`  ${spec.engine} ${spec.model} ${spec.kind} (batch ${spec.batch} × ${spec.reps}) … `);
    const r = runCase(spec, quick ? 240 : 900);
    results.push(r);
    console.log(
      `${r.status === 'ok' ? `${fmt(r.msPerImage)} ms/img` : `${r.status}: ${r.reason}`} [${((performance.now() - t0) / 1000).toFixed(0)} s]`,
    );
  }
  // Paper-model training on wasm is attempted in both modes: it fails (after ~30 s) and the failure is the result.
  {
    const spec: CaseSpec = { engine: 'tfjs-wasm', model: 'paper', kind: 'train', batch: 1, reps: 1 };
    const t0 = performance.now();
    process.stdout.write('  tfjs-wasm paper train (batch 1 × 1) … ');
    const r = runCase(spec, quick ? 240 : 900);
    results.push(r);
    console.log(
      `${r.status === 'ok' ? `${fmt(r.msPerImage)} ms/img` : `${r.status}: ${r.reason}`} [${((performance.now() - t0) / 1000).toFixed(0)} s]`,
    );
  }
  if (!quick) {
    results.push({
      engine: 'tfjs-cpu',
      model: 'small',
      kind: 'train',
      status: 'skipped',
      reason: 'cpu is forward-only here',
    });
  }

  const py = values['no-pytorch'] ? { why: 'disabled with --no-pytorch' } : findTorch();
  console.log(py.exe ? `PyTorch ${py.version} via ${py.exe}` : `PyTorch: ${py.why}`);
  const torchSettings = {
    small: { batch: 10, fwdReps: reps(3, 10), trainBatch: 5, trainReps: reps(3, 5) },
    paper: { batch: reps(2, 5), fwdReps: reps(1, 2), trainBatch: 1, trainReps: reps(1, 2) },
  } as const;
  for (const model of ['small', 'paper'] as const) {
    const t0 = performance.now();
    process.stdout.write(`  pytorch ${model} … `);
    const rs = await runPytorch(py, model, torchSettings[model], quick ? 300 : 900);
    results.push(...rs);
    console.log(
      rs.map((r) => `${r.kind} ${r.status === 'ok' ? `${fmt(r.msPerImage)} ms/img` : r.status}`).join(', ') +
        ` [${((performance.now() - t0) / 1000).toFixed(0)} s]`,
    );
  }

  const order = (r: CaseResult) =>
    (r.model === 'small' ? 0 : 100) +
    (r.kind === 'mc-forward' ? 0 : 10) +
    ['tfjs-wasm', 'tfjs-cpu', 'onnxruntime', 'pytorch'].indexOf(r.engine);
  results.sort((a, b) => order(a) - order(b));
  printTable(results);
  const rs = ratios(results);
  console.log('\nactiveseg / PyTorch (ms per image; > 1 means activeseg is slower):');
  for (const r of rs) {
    const what = `${MODELS[r.model].label}, ${r.kind}`;
    console.log(
      r.ratio === undefined
        ? `ratio ${r.engine}/pytorch ${what}: n/a (${r.why})`
        : `ratio ${r.engine}/pytorch ${what}: ${r.ratio.toFixed(2)} (${fmt(r.activesegMs)} vs ${fmt(r.pytorchMs)} ms/img)`,
    );
  }
  const machineEnd = { ...machine, loadavgAtEnd: loadavg().map((l) => Number(l.toFixed(2))) };
  const report = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: machineEnd,
    flopConvention:
      'forward = 2 × unetMultiplyAdds per image (convs, transposed convs, head); train step = 3 × forward per image',
    msPerImage: 'MC forward: wall time of one batch of `batch` passes of one patch / batch; train: step time / batch',
    models: MODELS,
    pytorch: py,
    results,
    ratios: rs,
    loopLatency: loop,
    seconds: (performance.now() - started) / 1000,
    speed,
  };
  writeReport(values.out, report);
  console.log('\nissue #18 lines (repeated from the start of the run):');
  for (const line of speed.lines) console.log(line);
  console.log(`\nwrote ${path.relative(repoRoot, values.out)} in ${report.seconds.toFixed(0)} s`);
  process.exit(0); // onnxruntime's thread pool can keep the loop alive
}

function writeReport(file: string, report: object): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

await main();
