import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFuzzTarget } from './harness/fuzz-target.js';
import { runFuzz } from './harness/run-fuzz.js';
import type { DaemonProcess } from './harness/spawn-daemon.js';
import { listFiles, storeDigest } from './harness/store-digest.js';

// Default-suite size; `npx tsx scripts/hardening/fuzz.ts` runs the 10 000+ case campaign.
const HTTP_CASES = 1200;
const WS_CASES = 1000;
const HUGE_RLE_CASES = 8;

let dir: string;
let daemon: DaemonProcess | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-fuzz-'));
});
afterAll(async () => {
  await daemon?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it(`answers ${HTTP_CASES} malformed HTTP requests, ${HUGE_RLE_CASES} huge RLE bodies and ${WS_CASES} WS frames with error codes, store unchanged`, async () => {
  const target = await startFuzzTarget(dir);
  daemon = target.daemon;
  const before = storeDigest(dir);
  const filesBefore = listFiles(dir).filter((f) => !f.startsWith('activeseg.db'));

  const report = await runFuzz({
    origin: daemon.origin,
    ctx: target.ctx,
    seed: 20260801,
    httpCases: HTTP_CASES,
    wsCases: WS_CASES,
    hugeRleCases: HUGE_RLE_CASES,
  });

  expect(report.http.failures.slice(0, 5)).toEqual([]);
  expect(report.ws.failures.slice(0, 5)).toEqual([]);
  expect(report.hugeRle.failures).toEqual([]);
  expect(report.hugeRle.answered).toBe(HUGE_RLE_CASES);
  // Bodies of millions of runs are parsed off the event loop: health keeps answering while they are refused.
  expect(report.hugeRle.healthP99Ms).toBeLessThan(300);
  expect(report.http.answered).toBe(HTTP_CASES);
  expect(report.ws.answered).toBe(WS_CASES);
  // No crash: the same process still answers.
  expect(daemon.child.exitCode).toBeNull();
  expect((await fetch(`${daemon.origin}/api/health`)).status).toBe(200);
  expect(storeDigest(dir)).toEqual(before);
  expect(listFiles(dir).filter((f) => !f.startsWith('activeseg.db'))).toEqual(filesBefore);
  // Coverage of the generator: every major family was exercised.
  for (const code of [
    'BAD_REQUEST',
    'BAD_MESSAGE',
    'UNAUTHORIZED',
    'ORIGIN_FORBIDDEN',
    'PAYLOAD_TOO_LARGE',
    'ANNOTATION_MASK_INVALID',
    'PROTOCOL_MISMATCH',
    'PROTOCOL_VIOLATION',
    'MODEL_VERSION_NOT_FOUND',
  ]) {
    expect(report.http.byCode[code] ?? report.ws.byCode[code] ?? 0).toBeGreaterThan(0);
  }
});
