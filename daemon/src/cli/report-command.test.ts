import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationAck } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { addDemoSlide, createTempProject, type TempProject } from '../testing/temp-project.js';
import { writePrediction } from '../testing/write-prediction.js';

let t: TempProject | undefined;
let out: string | undefined;
afterEach(async () => {
  await t?.dispose();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('activeseg report', () => {
  it('writes the learning plot as SVG and PNG and one CSV row per annotation with its pre-annotation score', async () => {
    t = createTempProject();
    const slide = await addDemoSlide(t);
    t.project.store.modelVersions.insert({ version: 1, mode: 'import', jobId: null, metrics: null, createdAt: 'x' });
    await writePrediction(t.project, { slideId: slide.id, modelVersion: 1, col: 0, row: 0, size: 512 }, () => 0.9);
    // A probe served and annotated (the daemon files it as random-probe), and one region of the person's own.
    t.project.store.learning.markProbe({ slideId: slide.id, col: 0, row: 0, modelVersion: 1 });
    const ids: string[] = [];
    for (const [x, seconds] of [
      [0, 30],
      [600, 45],
    ] as const) {
      const res = await t.app.request('/api/annotations', {
        method: 'POST',
        headers: t.auth,
        body: JSON.stringify({
          slideId: slide.id,
          region: { x, y: 0, width: 4, height: 2 },
          mask: { encoding: 'rle', counts: [2, 2, 2, 2] },
          clientId: `report-test-${x}`,
          modelVersion: 1,
          activeSeconds: seconds,
          strokes: 2,
          source: 'user',
        }),
      });
      ids.push(AnnotationAck.parse(await res.json()).id);
    }
    await t.project.close();
    out = mkdtempSync(join(tmpdir(), 'activeseg-report-'));

    const run = await runCli(['report', '--project', t.dir, '--slide', slide.id, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 annotations, 1.3 min annotated');
    expect(run.stdout).toContain('estimated Dice of v1: 0.667');
    const base = join(out, `learning-${slide.id}`);
    const svg = readFileSync(`${base}.svg`, 'utf8');
    expect(svg).toContain('data-source="random-probe"');
    expect(svg).toContain('data-role="estimate"');
    const png = await sharp(`${base}.png`).metadata();
    expect([png.format, png.width, png.height]).toEqual(['png', 640, 384]);
    const rows = readFileSync(`${base}.csv`, 'utf8').trim().split('\n');
    expect(rows[0]).toBe(
      'annotation_id,created_at,source,model_version,x,y,width,height,active_seconds,strokes,objects,pre_dice,pre_precision,pre_recall,pending',
    );
    expect(rows).toHaveLength(3);
    // The probe's cell has version 1's prediction (myelin everywhere): tp 4, fp 4 → Dice 2/3, precision 1/2, recall 1.
    expect(rows[1]).toMatch(new RegExp(`^${ids[0]},[^,]+,random-probe,1,0,0,4,2,30,2,1,0\\.666\\d*,0\\.5,1,false$`));
    // The own region's cell (col 1) was not scored by version 1 (no job left: skipped as blank), so the person saw
    // no myelin there: tp 0, fp 0, fn 4 → Dice 0, precision 0, recall 0.
    expect(rows[2]).toMatch(new RegExp(`^${ids[1]},[^,]+,user,1,600,0,4,2,45,2,1,0,0,0,false$`));
    expect(readFileSync(`${base}-versions.csv`, 'utf8')).toMatch(
      /^model_version,.*\n1,0\.666\d*,0\.666\d*,0\.666\d*,1,1,1\n$/,
    );
  }, 120_000);

  it('refuses a folder that is not a project and an unknown slide, naming the option', async () => {
    out = mkdtempSync(join(tmpdir(), 'activeseg-report-'));
    const none = await runCli(['report', '--project', join(out, 'nope'), '--out', out]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--project .*no activeseg project there/);
    t = createTempProject();
    await t.project.close();
    const slide = await runCli(['report', '--project', t.dir, '--slide', 'sl_missing', '--out', out]);
    expect(slide.code).toBe(1);
    expect(slide.stderr).toMatch(/--slide sl_missing: no such slide/);
  }, 120_000);
});
