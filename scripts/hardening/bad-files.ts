// Bad-file figure: every bad slide file (truncated, corrupt, zero-byte, forged huge header, wrong extension, not an
// image) for PNG, JPEG, WebP, TIFF, pyramidal TIFF and GIF, added via POST /api/slides; prints the code each got.
//   npx tsx scripts/hardening/bad-files.ts [--pixel-limit]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorBody } from '@activeseg/protocol';
import { writeSlideFileCases } from '../../test/hardening/harness/bad-slide-files.js';
import { DEMO_SLIDE } from '../../test/hardening/harness/fuzz-target.js';
import { spawnDaemon } from '../../test/hardening/harness/spawn-daemon.js';
import { listFiles, storeDigest } from '../../test/hardening/harness/store-digest.js';

const { values } = parseArgs({ options: { 'pixel-limit': { type: 'boolean', default: false } } });
const root = mkdtempSync(join(tmpdir(), 'activeseg-badfiles-'));
const files = join(root, 'files');
mkdirSync(files);
const project = join(root, 'project');
const cases = await writeSlideFileCases(files, DEMO_SLIDE, { pixelLimit: values['pixel-limit'] });
const d = await spawnDaemon({
  projectDir: project,
  config: { convertAbovePixels: 10_000, ...(values['pixel-limit'] ? { maxSlidePixels: 2_000_000_000 } : {}) },
});
let wrong = 0;
let leftovers = 0;
try {
  for (const c of cases) {
    const before = storeDigest(project);
    const t = Date.now();
    const res = await fetch(`${d.origin}/api/slides`, {
      method: 'POST',
      headers: d.headers(),
      body: JSON.stringify({ path: c.path }),
    });
    const body = (await res.json()) as unknown;
    const got = res.status === 201 ? '201' : ErrorBody.parse(body).error.code;
    const ok = c.expect.includes(got);
    const clean = res.status === 201 || JSON.stringify(storeDigest(project)) === JSON.stringify(before);
    if (!ok) wrong++;
    if (!clean) leftovers++;
    console.log(
      `${ok ? 'ok ' : 'BAD'} ${c.name.padEnd(32)} ${String(res.status).padEnd(4)} ${got.padEnd(26)} ${Date.now() - t} ms`,
    );
  }
  const tmp = listFiles(join(project, 'slides')).filter((f) => f.endsWith('.tmp')).length;
  console.log(
    JSON.stringify({
      cases: cases.length,
      wrong,
      leftovers,
      tmpFilesLeft: tmp,
      daemonAlive: d.child.exitCode === null,
    }),
  );
  process.exitCode = wrong + leftovers + tmp === 0 ? 0 : 1;
} finally {
  await d.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
