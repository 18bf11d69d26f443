import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnnotationAck, AnnotationList, JobInfo, SlideInfo } from '@activeseg/protocol';
import { createRng, type Rng } from '@activeseg/shared';
import sharp from 'sharp';
import { DEMO_SLIDE } from './fuzz-target.js';
import { type DaemonProcess, spawnDaemon } from './spawn-daemon.js';
import { integrityCheck, listFiles } from './store-digest.js';

export interface FaultReport {
  scenario: 'annotation' | 'training' | 'tiles' | 'redis-training' | 'redis-infer';
  kills: number;
  /** Kills that landed while the work was still in flight (a request unanswered / the job still running). */
  killsMidFlight: number;
  /** integrity_check results that were not `ok`. */
  integrityFailures: string[];
  /** Scenario-specific counts. */
  acked?: number;
  lostAcked?: number;
  partialAnnotations?: number;
  jobsKilled?: number;
  jobsMarkedRestarted?: number;
  jobsWrongState?: string[];
  tileFilesChecked?: number;
  tileFilesBad?: string[];
  tileTempLeftovers?: number;
  /** Redis restarts (`run-redis-restarts.ts`): fleet jobs that ended as they should, and how long after Redis was back. */
  jobsRecovered?: number;
  recoverMs?: number[];
  /** A new job of the same kind answered with something other than 202 after the restart. */
  newJobsRefused?: string[];
  /** Log lines each process wrote per outage (kill → 3 s after the restart), a worker's per-batch lines aside. */
  outageLogLines?: { daemon: number[]; worker: number[] };
  outageLogSample?: string[];
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(d: DaemonProcess, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${d.origin}${path}`, { ...init, headers: d.headers() });
  return { status: res.status, body: (await res.json()) as T };
}

async function addSlide(d: DaemonProcess): Promise<SlideInfo> {
  const r = await api<unknown>(d, '/api/slides', { method: 'POST', body: JSON.stringify({ path: DEMO_SLIDE }) });
  return SlideInfo.parse(r.body);
}

/** Every stored annotation's mask file exists and decodes as a PNG of its region (a torn mask is a partial write). */
async function checkMasks(projectDir: string): Promise<number> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(projectDir, 'activeseg.db'), { readonly: true });
  const rows = db.prepare('SELECT mask_path, width, height FROM annotations').all() as {
    mask_path: string;
    width: number;
    height: number;
  }[];
  db.close();
  let bad = 0;
  for (const r of rows) {
    try {
      const m = await sharp(readFileSync(join(projectDir, r.mask_path)), { failOn: 'truncated' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (m.info.width !== r.width || m.info.height !== r.height) bad++;
    } catch {
      bad++;
    }
  }
  return bad;
}

/**
 * SIGKILLs the daemon while 4 writers post annotations, `iterations` times at random moments; after each restart
 * every acknowledged annotation must be listed unchanged, and every stored one must have a whole mask file.
 */
export async function runAnnotationKills(projectDir: string, iterations: number, seed = 1): Promise<FaultReport> {
  const t0 = Date.now();
  const rng = createRng(seed);
  const report: FaultReport = {
    scenario: 'annotation',
    kills: 0,
    killsMidFlight: 0,
    integrityFailures: [],
    ms: 0,
    acked: 0,
    lostAcked: 0,
    partialAnnotations: 0,
  };
  let d = await spawnDaemon({ projectDir });
  const slide = await addSlide(d);
  const acked = new Map<string, AnnotationAck>();
  let n = 0;
  for (let it = 0; it < iterations; it++) {
    let stop = false;
    let inFlight = 0;
    const writer = async (w: Rng) => {
      while (!stop) {
        const width = 8 + w.int(120);
        const height = 8 + w.int(120);
        const x = w.int(slide.width - width);
        const y = w.int(slide.height - height);
        const fg = w.int(width * height);
        const body = JSON.stringify({
          slideId: slide.id,
          region: { x, y, width, height },
          mask: { encoding: 'rle', counts: [width * height - fg, fg] },
          clientId: `kill-${seed}-${n++}-xxxx`,
        });
        inFlight++;
        try {
          const res = await fetch(`${d.origin}/api/annotations`, { method: 'POST', headers: d.headers(), body });
          if (res.status === 201) {
            const ack = AnnotationAck.parse(await res.json());
            acked.set(ack.id, ack);
          }
        } catch {
          return; // the daemon died mid-request: not acknowledged, so no promise was made
        } finally {
          inFlight--;
        }
      }
    };
    const writers = Array.from({ length: 4 }, () => writer(rng.fork()));
    await sleep(100 + rng.int(1500));
    if (inFlight > 0) report.killsMidFlight++;
    await d.kill('SIGKILL');
    report.kills++;
    stop = true;
    await Promise.all(writers);
    const ic = integrityCheck(projectDir);
    if (ic !== 'ok') report.integrityFailures.push(ic);
    d = await spawnDaemon({ projectDir });
    const list = AnnotationList.parse((await api(d, `/api/annotations?slideId=${slide.id}`)).body);
    const stored = new Map(list.annotations.map((a) => [a.id, a]));
    for (const [id, ack] of acked) {
      if (JSON.stringify(stored.get(id)) !== JSON.stringify(ack)) report.lostAcked!++;
    }
    report.partialAnnotations! += await checkMasks(projectDir);
  }
  report.acked = acked.size;
  await d.kill('SIGTERM');
  report.ms = Date.now() - t0;
  return report;
}

/**
 * SIGKILLs the daemon (real tiny model engine) during a training job, `iterations` times at random moments after
 * the job started running; after each restart the job must be `failed` with DAEMON_RESTARTED.
 */
export async function runTrainingKills(projectDir: string, iterations: number, seed = 2): Promise<FaultReport> {
  const t0 = Date.now();
  const rng = createRng(seed);
  const report: FaultReport = {
    scenario: 'training',
    kills: 0,
    killsMidFlight: 0,
    integrityFailures: [],
    ms: 0,
    jobsKilled: 0,
    jobsMarkedRestarted: 0,
    jobsWrongState: [],
  };
  let d = await spawnDaemon({ projectDir, engine: 'tiny' });
  const slide = await addSlide(d);
  for (let i = 0; i < 4; i++) {
    const side = 96;
    await api(d, '/api/annotations', {
      method: 'POST',
      body: JSON.stringify({
        slideId: slide.id,
        region: { x: 512 * i, y: 100, width: side, height: side },
        mask: { encoding: 'rle', counts: [side * 40, side * 20, side * 36] },
        clientId: `train-seed-${i}-xxxx`,
      }),
    });
  }
  for (let it = 0; it < iterations; it++) {
    const started = await api<unknown>(d, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ kind: 'train', mode: 'scratch', epochs: 1000 }),
    });
    const job = JobInfo.parse(started.body);
    // Wait until it runs (and has done some epochs), then kill at a random moment inside training.
    const deadline = Date.now() + 30_000;
    let state = job.state;
    while (state !== 'running' && Date.now() < deadline) {
      await sleep(50);
      state = JobInfo.parse((await api(d, `/api/jobs/${job.id}`)).body).state;
    }
    await sleep(200 + rng.int(2500));
    const before = JobInfo.parse((await api(d, `/api/jobs/${job.id}`)).body);
    if (before.state === 'running') report.killsMidFlight++;
    await d.kill('SIGKILL');
    report.kills++;
    report.jobsKilled!++;
    const ic = integrityCheck(projectDir);
    if (ic !== 'ok') report.integrityFailures.push(ic);
    d = await spawnDaemon({ projectDir, engine: 'tiny' });
    const after = JobInfo.parse((await api(d, `/api/jobs/${job.id}`)).body);
    if (after.state === 'failed' && after.error?.code === 'DAEMON_RESTARTED') report.jobsMarkedRestarted!++;
    else report.jobsWrongState!.push(`${job.id}: ${after.state} ${after.error?.code ?? ''} (was ${before.state})`);
  }
  await d.kill('SIGTERM');
  report.ms = Date.now() - t0;
  return report;
}

/** Every cached tile decodes completely; returns the bad ones and the number of orphaned temp files. */
export async function checkTileCache(projectDir: string): Promise<{ checked: number; bad: string[]; temps: number }> {
  const files = listFiles(join(projectDir, 'cache', 'tiles'));
  const temps = files.filter((f) => f.endsWith('.tmp')).length;
  const bad: string[] = [];
  let checked = 0;
  for (const f of files.filter((f) => !f.endsWith('.tmp'))) {
    checked++;
    try {
      await sharp(readFileSync(join(projectDir, 'cache', 'tiles', f)), { failOn: 'truncated' })
        .raw()
        .toBuffer();
    } catch (err) {
      bad.push(`${f}: ${(err as Error).message}`);
    }
  }
  return { checked, bad, temps };
}

/**
 * SIGKILLs the daemon while 8 clients request every (uncached) image tile of a slide, `iterations` times; after
 * each kill every file in the tile cache must decode (tiles are written atomically), and after the restart every
 * tile is served whole.
 */
export async function runTileKills(projectDir: string, iterations: number, seed = 3): Promise<FaultReport> {
  const t0 = Date.now();
  const rng = createRng(seed);
  const report: FaultReport = {
    scenario: 'tiles',
    kills: 0,
    killsMidFlight: 0,
    integrityFailures: [],
    ms: 0,
    tileFilesChecked: 0,
    tileFilesBad: [],
    tileTempLeftovers: 0,
  };
  let d = await spawnDaemon({ projectDir });
  const slides: SlideInfo[] = [];
  for (let it = 0; it < iterations; it++) {
    // A fresh slide per round, so its tiles are all uncached and the kill lands during generation.
    const slide = await addSlide(d);
    slides.push(slide);
    const urls: string[] = [];
    for (let level = slide.levels - 1; level >= 0; level--) {
      const scale = 2 ** (slide.levels - 1 - level);
      const cols = Math.ceil(slide.width / scale / slide.tileSize);
      const rows = Math.ceil(slide.height / scale / slide.tileSize);
      for (let row = 0; row < rows; row++)
        for (let col = 0; col < cols; col++)
          urls.push(`/api/slides/${slide.id}/tiles/image/${level}/${col}_${row}.${rng.int(2) ? 'jpeg' : 'png'}`);
    }
    let next = 0;
    let served = 0;
    const client = async () => {
      while (next < urls.length) {
        const u = urls[next++]!;
        try {
          const res = await fetch(`${d.origin}${u}?token=${d.token}`);
          await res.arrayBuffer();
          served++;
        } catch {
          return;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await sleep(20 + rng.int(400));
    if (served < urls.length) report.killsMidFlight++;
    await d.kill('SIGKILL');
    report.kills++;
    await Promise.all(clients);
    const cache = await checkTileCache(projectDir);
    report.tileFilesChecked! += cache.checked;
    report.tileFilesBad!.push(...cache.bad);
    report.tileTempLeftovers = cache.temps;
    const ic = integrityCheck(projectDir);
    if (ic !== 'ok') report.integrityFailures.push(ic);
    d = await spawnDaemon({ projectDir });
    // After the restart, every tile (cached or rendered now) is served whole.
    for (const u of urls) {
      const res = await fetch(`${d.origin}${u}?token=${d.token}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      try {
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer();
      } catch (err) {
        report.tileFilesBad!.push(`served ${u}: ${(err as Error).message}`);
      }
    }
  }
  await d.kill('SIGTERM');
  report.ms = Date.now() - t0;
  return report;
}
