import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runAnnotationKills, runTileKills, runTrainingKills } from './harness/run-faults.js';

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
