import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type FaultReport, runAnnotationKills, runTileKills, runTrainingKills } from './harness/run-faults.js';
import { runRedisInferRestarts, runRedisTrainingRestarts } from './harness/run-redis-restarts.js';

// Default-suite size; `npx tsx scripts/hardening/faults.ts` kills 20 times per scenario.
const KILLS = 3;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const project = () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-faults-'));
  return dir;
};

it(`SIGKILL during annotation writes (${KILLS}×): every ack survives, no torn mask, integrity ok`, async () => {
  const r = await runAnnotationKills(project(), KILLS, 11);
  expect(r.kills).toBe(KILLS);
  expect(r.integrityFailures).toEqual([]);
  expect(r.acked).toBeGreaterThan(0);
  expect(r.lostAcked).toBe(0);
  expect(r.partialAnnotations).toBe(0);
});

it(`SIGKILL during real training (${KILLS}×): the job is failed with DAEMON_RESTARTED, integrity ok`, async () => {
  const r = await runTrainingKills(project(), KILLS, 12);
  expect(r.kills).toBe(KILLS);
  expect(r.killsMidFlight).toBe(KILLS);
  expect(r.integrityFailures).toEqual([]);
  expect(r.jobsWrongState).toEqual([]);
  expect(r.jobsMarkedRestarted).toBe(KILLS);
});

it(`SIGKILL during tile generation (${KILLS}×): every cached tile decodes, all tiles served whole after restart`, async () => {
  const r = await runTileKills(project(), KILLS, 13);
  expect(r.kills).toBe(KILLS);
  expect(r.integrityFailures).toEqual([]);
  expect(r.tileFilesBad).toEqual([]);
  expect(r.tileFilesChecked).toBeGreaterThan(0);
});

/** Per process and outage: "unreachable", "back" and at most two lines about the jobs Redis lost. */
const MAX_OUTAGE_LINES = 4;
const expectRecovered = (r: FaultReport) => {
  expect(r.kills).toBe(1);
  expect(r.killsMidFlight).toBe(1);
  expect(r.jobsWrongState).toEqual([]);
  expect(r.jobsRecovered).toBe(1);
  expect(r.newJobsRefused).toEqual([]);
  expect(r.integrityFailures).toEqual([]);
  const lines = [...r.outageLogLines!.daemon, ...r.outageLogLines!.worker];
  expect(Math.max(...lines), r.outageLogSample!.join('\n')).toBeLessThanOrEqual(MAX_OUTAGE_LINES);
  expect(r.outageLogSample!.join('\n')).not.toMatch(/Unhandled error event/);
};

it('redis-server SIGKILLed mid fleet training and restarted empty: the job ends done on the model its worker wrote, the daemon serves it, a new train job is accepted, one log line per outage and process', async () => {
  const r = await runRedisTrainingRestarts(project(), 1, 14);
  expectRecovered(r);
}, 300_000);

it('redis-server SIGKILLed mid fleet inference and restarted empty: lost batches are enqueued again, the job ends done, a new infer job on the slide is accepted, one log line per outage and process', async () => {
  const r = await runRedisInferRestarts(project(), 1, 15);
  expectRecovered(r);
}, 300_000);
