import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, httpStatusOf, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeSlideFileCases } from './harness/bad-slide-files.js';
import { DEMO_SLIDE } from './harness/fuzz-target.js';
import { type DaemonProcess, spawnDaemon } from './harness/spawn-daemon.js';
import { listFiles, storeDigest } from './harness/store-digest.js';

let root: string;
const daemons: DaemonProcess[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'activeseg-badfiles-'));
});
afterAll(async () => {
  for (const d of daemons) await d.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function addSlide(d: DaemonProcess, path: string) {
  const res = await fetch(`${d.origin}/api/slides`, {
    method: 'POST',
    headers: d.headers(),
    body: JSON.stringify({ path }),
  });
  const body = (await res.json()) as unknown;
  return { status: res.status, body };
}

/**
 * Every tile of every level decodes: the slide is whole, not just its header and last row. A file damaged inside
 * its pixel data (accepted, since only that window fails) may answer SLIDE_CORRUPT for the damaged tiles, never 500.
 */
async function expectUsable(d: DaemonProcess, slide: SlideInfo, damaged: boolean) {
  let corruptTiles = 0;
  for (let level = 0; level < slide.levels; level++) {
    const scale = 2 ** (slide.levels - 1 - level);
    const cols = Math.ceil(slide.width / scale / slide.tileSize);
    const rows = Math.ceil(slide.height / scale / slide.tileSize);
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const res = await fetch(
          `${d.origin}/api/slides/${slide.id}/tiles/image/${level}/${col}_${row}.png?token=${d.token}`,
        );
        if (damaged && res.status === 422) {
          expect(ErrorBody.parse(await res.json()).error.code).toBe('SLIDE_CORRUPT');
          corruptTiles++;
          continue;
        }
        expect([slide.name, level, col, row, res.status]).toEqual([slide.name, level, col, row, 200]);
        await sharp(Buffer.from(await res.arrayBuffer()))
          .raw()
          .toBuffer();
      }
    }
  }
  return corruptTiles;
}

for (const pixelLimit of [false, true]) {
  it(`bad slide files of every format get clear codes and leave nothing behind (pixel limit ${pixelLimit ? 'on' : 'off'})`, async () => {
    const project = join(root, `project-${pixelLimit}`);
    const files = join(root, `files-${pixelLimit}`);
    mkdirSync(files, { recursive: true });
    const cases = await writeSlideFileCases(files, DEMO_SLIDE, { pixelLimit });
    // convertAbovePixels is lowered so PNG/JPEG/WebP/GIF inputs take the conversion path (pyramid under slides/).
    const d = await spawnDaemon({
      projectDir: project,
      config: { convertAbovePixels: 10_000, ...(pixelLimit ? { maxSlidePixels: 2_000_000_000 } : {}) },
    });
    daemons.push(d);
    const seen: string[] = [];
    for (const c of cases) {
      const before = storeDigest(project);
      const slideFiles = listFiles(join(project, 'slides'));
      const t0 = Date.now();
      const { status, body } = await addSlide(d, c.path);
      const ms = Date.now() - t0;
      if (status === 201) {
        expect([c.name, '201']).toEqual([c.name, c.expect.find((e) => e === '201') ?? `not 201: ${c.expect}`]);
        const bad = await expectUsable(
          d,
          SlideInfo.parse(body),
          c.kind === 'corrupt-body' || c.kind === 'corrupt-header',
        );
        if (bad) seen.push(`${c.name}:accepted, ${bad} tiles SLIDE_CORRUPT`);
      } else {
        const code = ErrorBody.parse(body).error.code;
        seen.push(`${c.name}:${code}`);
        expect([c.name, code, status]).toEqual([
          c.name,
          c.expect.includes(code) ? code : `one of ${c.expect}`,
          httpStatusOf(code),
        ]);
        expect(storeDigest(project)).toEqual(before);
        expect(listFiles(join(project, 'slides'))).toEqual(slideFiles);
      }
      // Forged headers are refused from the header, not after decoding billions of made-up pixels.
      if (c.kind === 'huge-header') expect([c.name, ms < 5000]).toEqual([c.name, true]);
    }
    if (!pixelLimit) {
      // The same files as raw uploads (POST /api/uploads): same codes, and the upload itself is removed.
      for (const c of cases.filter((c) => !c.expect.includes('201'))) {
        const before = storeDigest(project);
        const slideFiles = listFiles(join(project, 'slides'));
        const res = await fetch(`${d.origin}/api/uploads?name=${encodeURIComponent(c.name)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
          body: readFileSync(c.path),
        });
        const code = ErrorBody.parse(await res.json()).error.code;
        const expected = c.kind === 'zero-byte' ? ['BAD_REQUEST'] : c.expect;
        expect([c.name, code]).toEqual([c.name, expected.includes(code) ? code : `one of ${expected}`]);
        expect(storeDigest(project)).toEqual(before);
        expect(listFiles(join(project, 'slides'))).toEqual(slideFiles);
      }
    }
    expect(d.child.exitCode).toBeNull();
    expect((await fetch(`${d.origin}/api/health`)).status).toBe(200);
    // No temp files or empty slide folders left by refused conversions.
    expect(listFiles(join(project, 'slides')).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(seen.length).toBeGreaterThan(pixelLimit ? 40 : 40);
  });
}
