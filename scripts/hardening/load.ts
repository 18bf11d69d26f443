// Load figure: 8 simulated viewers request cached image tiles at 200 req/s in total over loopback while MC
// inference jobs run back to back on the real tiny engine. Prints one JSON report per configuration.
//   npx tsx scripts/hardening/load.ts [--seconds 60] [--rate 200] [--viewers 8] [--modes onnx,tfjs,none] [--passes 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from '../../test/hardening/harness/run-load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    viewers: { type: 'string', default: '8' },
    modes: { type: 'string', default: 'none,onnx,tfjs' },
    passes: { type: 'string', default: '20' },
  },
});
const seconds = Math.min(600, Math.max(1, Number(values.seconds)));
for (const mode of values.modes.split(',')) {
  if (!['none', 'onnx', 'tfjs'].includes(mode)) throw new Error(`unknown mode ${mode} (none, onnx, tfjs)`);
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-load-'));
  try {
    const r = await runLoad({
      projectDir: dir,
      durationMs: seconds * 1000,
      viewers: Number(values.viewers),
      ratePerSecond: Number(values.rate),
      inference: mode !== 'none',
      onnx: mode === 'onnx',
      mcPasses: Number(values.passes),
    });
    const goal = r.p99Ms <= 50 && r.errors === 0 ? 'MET' : 'MISSED';
    console.log(JSON.stringify({ mode, seconds, goal, ...r }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
