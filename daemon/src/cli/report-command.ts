import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderLearningSvg } from '@activeseg/shared';
import sharp from 'sharp';
import { buildLearningReport } from '../project/learning-report.js';
import { createPreAnnotationScorer } from '../project/pre-annotation-scorer.js';
import { createProjectPaths } from '../project/project-paths.js';
import { atomicWrite } from '../store/atomic-write.js';
import { openStore } from '../store/db.js';
import { learningCsv, versionsCsv } from './learning-csv.js';

export const REPORT_USAGE = `activeseg report --project <dir> [--slide <id>] --out <dir>

What annotating has bought on a slide, for a lab notebook: the Learning panel's plot (estimated Dice per model version
from random probes with its 95 % interval, every annotation's pre-annotation Dice by source) and its numbers.
Writes, per slide, learning-<slide id>.svg and .png, learning-<slide id>.csv (one row per annotation: source, model
version, active seconds, strokes, objects, pre-annotation Dice/precision/recall) and learning-<slide id>-versions.csv
(the estimate per model version), and prints the estimate, the uncertainty check and the stop hint.

  --project <dir>   the project folder (as given to "activeseg serve"); may be in use by a running daemon
  --slide <id>      one slide (default: every slide of the project)
  --out <dir>       output folder (created if missing)`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      slide: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(REPORT_USAGE);
    return 0;
  }
  if (!values.project) throw new Error('--project is required (the project folder)');
  if (!values.out) throw new Error('--out is required (the output folder)');
  const paths = createProjectPaths(values.project);
  // openStore creates a missing database: a mistyped folder must not become an empty project.
  if (!existsSync(join(paths.root, 'activeseg.db'))) {
    throw new Error(`--project ${values.project}: no activeseg project there (no activeseg.db)`);
  }
  const store = openStore(paths.root);
  try {
    const slides = store.slides.list().filter((s) => values.slide === undefined || s.id === values.slide);
    if (values.slide !== undefined && slides.length === 0) {
      throw new Error(`--slide ${values.slide}: no such slide in ${values.project}`);
    }
    await mkdir(values.out, { recursive: true });
    const scorer = createPreAnnotationScorer({ store, paths });
    for (const slide of slides) {
      await scorer.run(slide.id);
      const report = buildLearningReport({
        slideId: slide.id,
        rows: store.learning.listBySlide(slide.id),
        modelVersions: store.learning.knownModelVersions(),
      });
      const svg = renderLearningSvg(report, { width: 640, height: 360, title: `Learning on ${slide.name}` });
      const base = join(values.out, `learning-${slide.id}`);
      const text = (t: string) => new TextEncoder().encode(t);
      await atomicWrite(`${base}.svg`, text(svg));
      await atomicWrite(`${base}.png`, await sharp(Buffer.from(svg)).png().toBuffer());
      await atomicWrite(`${base}.csv`, text(learningCsv(report)));
      await atomicWrite(`${base}-versions.csv`, text(versionsCsv(report)));
      const latest = report.versions.findLast((v) => v.dice.value !== null);
      console.log(
        [
          `${slide.name} (${slide.id}): ${report.annotations.length} annotations, ${report.minutesAnnotated.toFixed(1)} min annotated`,
          latest
            ? `  estimated Dice of v${latest.modelVersion}: ${latest.dice.value?.toFixed(3)} (95% CI ${latest.dice.lo?.toFixed(3)}–${latest.dice.hi?.toFixed(3)}, ${latest.dice.n} probes)`
            : '  no probe estimate yet',
          `  ${report.uncertaintyCheck.message}`,
          `  ${report.stop.message}`,
          `  wrote ${base}.svg, .png, .csv, -versions.csv`,
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    store.close();
  }
}
