import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runLoad } from './harness/run-load.js';

// Default-suite size (10 s); `npx tsx scripts/hardening/load.ts` runs 60 s, with onnx on and off.
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('8 viewers at 200 cached tiles/s for 10 s while MC inference runs: no errors', async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-load-'));
  const r = await runLoad({ projectDir: dir, durationMs: 10_000, viewers: 8, ratePerSecond: 200 });
  console.log(`[hardening] load 10 s: ${JSON.stringify(r)}`);
  expect(r.errors).toBe(0);
  expect(r.requests).toBe(2000);
  expect(r.jobRunningFraction).toBeGreaterThan(0.5);
  // The 50 ms goal is checked by the script on a quiet machine; on a shared CI box only a gross stall fails here.
  expect(r.p99Ms).toBeLessThan(process.env.HARDENING_STRICT ? 50 : 1000);
});
