// Fault figure: SIGKILL the daemon (child process) at random moments during annotation writes, real training and
// tile generation, N times each; after each restart check acks, integrity, job states and the tile cache.
// redis-training / redis-infer SIGKILL a fleet's redis-server (no persistence) mid-job and restart it empty.
//   npx tsx scripts/hardening/faults.ts [--kills 20] [--scenarios annotation,training,tiles,redis-training,redis-infer]
//     [--seed 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type FaultReport,
  runAnnotationKills,
  runTileKills,
  runTrainingKills,
} from '../../test/hardening/harness/run-faults.js';
import { runRedisInferRestarts, runRedisTrainingRestarts } from '../../test/hardening/harness/run-redis-restarts.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    scenarios: { type: 'string', default: 'annotation,training,tiles' },
    seed: { type: 'string', default: '1' },
  },
});
const kills = Math.min(200, Math.max(1, Number(values.kills)));
const seed = Number(values.seed);
const runners: Record<string, (dir: string, n: number, seed: number) => Promise<FaultReport>> = {
  annotation: runAnnotationKills,
  training: runTrainingKills,
  tiles: runTileKills,
  'redis-training': runRedisTrainingRestarts,
  'redis-infer': runRedisInferRestarts,
};
let failed = false;
for (const name of values.scenarios.split(',')) {
  const run = runners[name];
  if (!run) throw new Error(`unknown scenario ${name} (${Object.keys(runners).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), `activeseg-faults-${name}-`));
  try {
    const r = await run(dir, kills, seed);
    const ok =
      r.integrityFailures.length === 0 &&
      (r.lostAcked ?? 0) === 0 &&
      (r.partialAnnotations ?? 0) === 0 &&
      (r.jobsWrongState ?? []).length === 0 &&
      (r.newJobsRefused ?? []).length === 0 &&
      (r.tileFilesBad ?? []).length === 0;
    failed ||= !ok;
    console.log(JSON.stringify({ ok, ...r, tileFilesBad: r.tileFilesBad?.slice(0, 10) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;
