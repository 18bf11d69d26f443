// Fuzz figure: seeded malformed HTTP requests and WS frames against a real daemon (child process, 127.0.0.1).
// Every case must be answered with a protocol error code; the store and project files must be unchanged.
// Then the abuse families (harness/run-abuse.ts) run against a second daemon with the tiny engine, each for
// --abuse-seconds: the daemon must not crash, health must keep answering and no acknowledged annotation may be lost.
//   npx tsx scripts/hardening/fuzz.ts [--http 6000] [--ws 6000] [--seed 20260801] [--huge-rle 40] [--abuse-seconds 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFuzzTarget } from '../../test/hardening/harness/fuzz-target.js';
import { runAbuse, startAbuseTarget } from '../../test/hardening/harness/run-abuse.js';
import { runFuzz } from '../../test/hardening/harness/run-fuzz.js';
import { listFiles, storeDigest } from '../../test/hardening/harness/store-digest.js';

const { values } = parseArgs({
  options: {
    http: { type: 'string', default: '6000' },
    ws: { type: 'string', default: '6000' },
    'huge-rle': { type: 'string', default: '40' },
    seed: { type: 'string', default: '20260801' },
    'abuse-seconds': { type: 'string', default: '20' },
  },
});
const cap = (v: string) => Math.min(1_000_000, Math.max(0, Number(v)));
const dir = mkdtempSync(join(tmpdir(), 'activeseg-fuzz-'));
const { daemon, ctx } = await startFuzzTarget(dir);
try {
  const before = storeDigest(dir);
  const filesBefore = listFiles(dir).filter((f) => !f.startsWith('activeseg.db'));
  const report = await runFuzz({
    origin: daemon.origin,
    ctx,
    seed: Number(values.seed),
    httpCases: cap(values.http),
    wsCases: cap(values.ws),
    hugeRleCases: cap(values['huge-rle']),
  });
  const alive = daemon.child.exitCode === null && (await fetch(`${daemon.origin}/api/health`)).status === 200;
  const storeUnchanged = JSON.stringify(storeDigest(dir)) === JSON.stringify(before);
  const filesUnchanged =
    JSON.stringify(listFiles(dir).filter((f) => !f.startsWith('activeseg.db'))) === JSON.stringify(filesBefore);
  console.log(
    JSON.stringify(
      {
        seed: Number(values.seed),
        total: report.http.total + report.hugeRle.total + report.ws.total,
        http: {
          ...report.http,
          failures: report.http.failures.slice(0, 20),
          failureCount: report.http.failures.length,
        },
        hugeRle: {
          ...report.hugeRle,
          failures: report.hugeRle.failures.slice(0, 20),
          failureCount: report.hugeRle.failures.length,
        },
        ws: { ...report.ws, failures: report.ws.failures.slice(0, 20), failureCount: report.ws.failures.length },
        daemonAlive: alive,
        storeUnchanged,
        filesUnchanged,
        storeCounts: before.counts,
        ms: report.ms,
      },
      null,
      2,
    ),
  );
  const ok =
    alive &&
    storeUnchanged &&
    filesUnchanged &&
    report.http.failures.length + report.hugeRle.failures.length + report.ws.failures.length === 0;
  process.exitCode = ok ? 0 : 1;
} finally {
  await daemon.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const abuseSeconds = Math.min(600, Math.max(0, Number(values['abuse-seconds'])));
if (abuseSeconds > 0) {
  const abuseDir = mkdtempSync(join(tmpdir(), 'activeseg-abuse-'));
  const target = await startAbuseTarget(abuseDir);
  try {
    const reports = await runAbuse({ target, durationMs: abuseSeconds * 1000 });
    for (const r of reports) console.log(JSON.stringify(r));
    const bad = reports.filter((r) => r.crashed || r.health.failed > 0 || r.annotations.lost > 0);
    if (bad.length > 0) process.exitCode = 1;
  } finally {
    await target.daemon.kill('SIGKILL');
    rmSync(abuseDir, { recursive: true, force: true });
  }
}
