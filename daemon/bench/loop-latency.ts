/**
 * Loop latency: how long a person waits, after submitting an annotation, for the overlay they are looking at to show
 * the model trained on it. Runs the real daemon (`startServer`, embedded queue, default config: auto-inference on)
 * on the demo slide with the default model (the shipped `tiny` base model, as `activeseg serve` starts it) and plays
 * the viewer over HTTP + WebSocket. Each round:
 *
 *   submit an annotation (the top suggestion's 512² cell, its ground-truth myelin mask)  → ack
 *   start a fine-tune with the viewer's defaults (no epochs given)                       → training done
 *   (no click) the daemon's auto-inference scores the viewport's cells first              → `tiles.updated` cover them
 *   fetch the viewport's overlay tiles at the new `?v=` (what the page then draws)        → end of the round
 *
 * and waits for the rest of the slide before the next round. The viewport is what the page shows after clicking
 * a suggestion: the cell with a quarter-cell margin. Phases are timed separately so the report can say what
 * dominates. `npx tsx daemon/bench/loop-latency.ts [--rounds 10] [--json FILE]`; `npm run bench` runs it as a child.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AnnotationAck,
  JobInfo,
  PROTOCOL_VERSION,
  type Region,
  ServerMessage,
  SlideInfo,
  SuggestionList,
} from '@activeseg/protocol';
import sharp from 'sharp';
import WebSocket from 'ws';
import { adoptBaseModel, parseBaseModel } from '../src/cli/base-model.js';
import { DEMO_DATA_DIR } from '../src/cli/demo-paths.js';
import { createModelEngine } from '../src/engine/model-engine.js';
import { selectBackend } from '../src/model/backend.js';
import { startServer } from '../src/server.js';
import { getPreset } from '../src/training/presets.js';
import { LOOP_RESULT_PREFIX, type LoopLatencyReport, type LoopRound, loopLatencyLine } from './loop-latency-report.js';

const DEMO_SLIDE = 'sub-rat8_sample-V915';
const PATCH = 512;
const TILE = 256;

const nearestRank = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
};

const cellsIn = (r: Region, size: number) => {
  const out: { col: number; row: number }[] = [];
  for (let row = Math.floor(r.y / size); row <= Math.floor((r.y + r.height - 1) / size); row++)
    for (let col = Math.floor(r.x / size); col <= Math.floor((r.x + r.width - 1) / size); col++) out.push({ col, row });
  return out;
};

const covers = (outer: Region, inner: Region) =>
  outer.x <= inner.x &&
  outer.y <= inner.y &&
  outer.x + outer.width >= inner.x + inner.width &&
  outer.y + outer.height >= inner.y + inner.height;

export async function measureLoopLatency(options: { rounds: number; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => console.log(line));
  const load0 = loadavg()[0] ?? 0;
  const projectDir = mkdtempSync(join(tmpdir(), 'activeseg-loop-'));
  const preset = getPreset('tiny');
  const backend = await selectBackend({ purpose: 'train' });
  const engine = await createModelEngine({ modelsDir: join(projectDir, 'models'), preset, tfjsBackend: backend.name });
  await adoptBaseModel(engine, parseBaseModel('demo'), preset);
  const server = await startServer({ projectDir, port: 0, engine, log: () => {} });
  const frames: { at: number; msg: ServerMessage }[] = [];
  const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws`, [`activeseg.bearer.${server.token}`], {
    origin: server.origin,
  });
  try {
    const api = async <T>(path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server.origin}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as T;
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const until = async <T>(what: string, probe: () => T | undefined, timeoutMs = 600_000): Promise<T> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = probe();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const jobEnd = (jobId: string, since: number) =>
      until(`job ${jobId}`, () =>
        frames.find(
          (f) =>
            f.at >= since &&
            f.msg.type === 'job.state' &&
            f.msg.jobId === jobId &&
            ['done', 'failed', 'cancelled'].includes(f.msg.state),
        ),
      );

    ws.on('message', (data) =>
      frames.push({ at: performance.now(), msg: ServerMessage.parse(JSON.parse(String(data))) }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
    await until('welcome', () => frames.find((f) => f.msg.type === 'welcome'));

    const slide = SlideInfo.parse(
      await api('/api/slides', { path: join(DEMO_DATA_DIR, 'images', `${DEMO_SLIDE}.png`), name: DEMO_SLIDE }),
    );
    ws.send(JSON.stringify({ type: 'slide.subscribe', slideIds: [slide.id] }));
    // What `activeseg serve` does for the demo: score the slide once with the base model.
    const first = JobInfo.parse(await api('/api/jobs', { kind: 'infer', slideId: slide.id }));
    await jobEnd(first.id, 0);
    const truth = sharp(join(DEMO_DATA_DIR, 'masks-myelin', `${DEMO_SLIDE}.png`)).greyscale();
    const slideCells = Math.ceil(slide.width / PATCH) * Math.ceil(slide.height / PATCH);
    const maxLevel = slide.levels - 1;

    const rounds: LoopRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const top = SuggestionList.parse(await api(`/api/suggestions?slideId=${slide.id}&k=1`)).suggestions[0];
      if (!top) throw new Error('no suggestion left to annotate');
      const { col, row } = top.patch;
      const cellRegion: Region = {
        x: col * PATCH,
        y: row * PATCH,
        width: Math.min(PATCH, slide.width - col * PATCH),
        height: Math.min(PATCH, slide.height - row * PATCH),
      };
      // The page fits the suggestion with a quarter-cell margin; it reports that region once the view settles.
      const m = PATCH / 4;
      const x0 = Math.max(0, cellRegion.x - m);
      const y0 = Math.max(0, cellRegion.y - m);
      const viewport: Region = {
        x: x0,
        y: y0,
        width: Math.min(slide.width, cellRegion.x + cellRegion.width + m) - x0,
        height: Math.min(slide.height, cellRegion.y + cellRegion.height + m) - y0,
      };
      ws.send(JSON.stringify({ type: 'slide.viewport', slideId: slide.id, region: viewport }));
      const mask = await truth
        .clone()
        .extract({ left: cellRegion.x, top: cellRegion.y, width: cellRegion.width, height: cellRegion.height })
        .png()
        .toBuffer();

      const cpu = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      const c0 = cpu();
      const t0 = performance.now();
      AnnotationAck.parse(
        await api('/api/annotations', {
          slideId: slide.id,
          region: cellRegion,
          mask: { encoding: 'png-base64', data: mask.toString('base64') },
          clientId: `loop-bench-${round}-${col}-${row}`,
        }),
      );
      const tAck = performance.now();
      const cAck = cpu();
      const train = JobInfo.parse(await api('/api/jobs', { kind: 'train', mode: 'finetune' }));
      const trained = await jobEnd(train.id, t0);
      if (trained.msg.type !== 'job.state' || trained.msg.state !== 'done' || trained.msg.modelVersion === undefined)
        throw new Error(`training ended ${JSON.stringify(trained.msg)}`);
      const version = trained.msg.modelVersion;
      const tTrained = trained.at;
      const cTrained = cpu();
      const wanted = cellsIn(viewport, PATCH).map((c) => ({
        x: c.col * PATCH,
        y: c.row * PATCH,
        width: Math.min(PATCH, slide.width - c.col * PATCH),
        height: Math.min(PATCH, slide.height - c.row * PATCH),
      }));
      const firstUpdate = await until('the first cell at the new version', () =>
        frames.find((f) => f.at >= tTrained && f.msg.type === 'tiles.updated' && f.msg.modelVersion === version),
      );
      const seen = await until('the viewport cells at the new version', () => {
        const updates = frames.filter(
          (f) => f.at >= tTrained && f.msg.type === 'tiles.updated' && f.msg.modelVersion === version,
        );
        let last = 0;
        for (const cell of wanted) {
          const hit = updates.find((f) => f.msg.type === 'tiles.updated' && f.msg.bbox && covers(f.msg.bbox, cell));
          if (!hit) return undefined;
          last = Math.max(last, hit.at);
        }
        return last;
      });
      // The overlay tiles of the viewport at full resolution, as the page then requests them (both overlay layers).
      const urls: string[] = [];
      for (let ty = Math.floor(viewport.y / TILE); ty <= Math.floor((viewport.y + viewport.height - 1) / TILE); ty++)
        for (let tx = Math.floor(viewport.x / TILE); tx <= Math.floor((viewport.x + viewport.width - 1) / TILE); tx++)
          for (const layer of ['uncertainty', 'prediction'])
            urls.push(`/api/slides/${slide.id}/tiles/${layer}/${maxLevel}/${tx}_${ty}.png?v=${version}`);
      const tSeen = performance.now();
      await Promise.all(
        urls.map(async (u) => {
          const res = await fetch(`${server.origin}${u}`, { headers: { authorization: `Bearer ${server.token}` } });
          if (!res.ok) throw new Error(`${u}: ${res.status}`);
          await res.arrayBuffer();
        }),
      );
      const tTiles = performance.now();
      const cTiles = cpu();
      const infer = await until('the auto-inference job', () =>
        frames.find(
          (f) => f.at >= tTrained && f.msg.type === 'job.state' && f.msg.kind === 'infer' && f.msg.state === 'queued',
        ),
      );
      const inferEnd = await jobEnd(infer.msg.type === 'job.state' ? infer.msg.jobId : '', tTrained);
      const r: LoopRound = {
        round,
        cell: { col, row },
        modelVersion: version,
        annotateMs: tAck - t0,
        trainMs: tTrained - tAck,
        scoreViewportMs: Math.max(0, seen - tTrained),
        firstCellMs: firstUpdate.at - tTrained,
        tilesMs: tTiles - tSeen,
        totalMs: tTiles - t0,
        cpuMs: cTiles - c0,
        trainCpuMs: cTrained - cAck,
        scoreCpuMs: cTiles - cTrained,
        scoreSlideMs: inferEnd.at - tTrained,
        viewportCells: wanted.length,
        slideCells,
        viewportTiles: urls.length,
      };
      rounds.push(r);
      const s = (ms: number) => (ms / 1000).toFixed(2);
      log(
        `  round ${round}: cell ${col}_${row} → v${version}: ${s(r.totalMs)} s (annotate ${s(r.annotateMs)}, train ${s(r.trainMs)}, score ${r.viewportCells} viewport cells ${s(r.scoreViewportMs)} (first ${s(r.firstCellMs)}), ${r.viewportTiles} tiles ${s(r.tilesMs)}; whole slide ${s(r.scoreSlideMs)}; CPU ${s(r.cpuMs)} s)`,
      );
    }
    const p = (k: keyof LoopRound) =>
      nearestRank(
        rounds.map((r) => r[k] as number),
        0.5,
      );
    const report: LoopLatencyReport = {
      rounds,
      p50Ms: p('totalMs'),
      maxMs: Math.max(...rounds.map((r) => r.totalMs)),
      cpuP50Ms: p('cpuMs'),
      load: [load0, loadavg()[0] ?? 0],
      phasesP50Ms: {
        annotate: p('annotateMs'),
        train: p('trainMs'),
        scoreViewport: p('scoreViewportMs'),
        firstCell: p('firstCellMs'),
        trainCpu: p('trainCpuMs'),
        scoreCpu: p('scoreCpuMs'),
        tiles: p('tilesMs'),
      },
      trainEpochs: 'the daemon default for a train job without epochs',
      backend: engine.backendName,
    };
    return report;
  } finally {
    ws.close();
    await server.close();
    await engine.dispose();
    rmSync(projectDir, { recursive: true, force: true });
  }
}

// Run directly (not imported by bench.ts).
if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '10' }, json: { type: 'string' }, result: { type: 'boolean' } },
  });
  const report = await measureLoopLatency({ rounds: Number(values.rounds) });
  console.log(loopLatencyLine(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.result) console.log(`${LOOP_RESULT_PREFIX}${JSON.stringify(report)}`);
  process.exit(0);
}
