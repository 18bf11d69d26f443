import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPCRUISE = join(REPO, 'node_modules', '.bin', 'depcruise');

/** One import that breaks one rule of `.dependency-cruiser.cjs`, planted in a scratch tree. */
const PLANTS: { rule: string; file: string; source: string; also?: Record<string, string> }[] = [
  {
    rule: 'daemon-layer-order:model+slides',
    file: 'daemon/src/model/planted.ts',
    source: "import { queue } from '../jobs/queue.js';\nexport const planted = queue;\n",
    also: { 'daemon/src/jobs/queue.ts': 'export const queue = 1;\n' },
  },
  {
    rule: 'daemon-layer-order:jobs+simulate',
    file: 'daemon/src/jobs/reporter.ts',
    source: "import { hub } from '../ws/hub.js';\nexport const reporter = hub;\n",
    also: { 'daemon/src/ws/hub.ts': 'export const hub = 1;\n' },
  },
  {
    rule: 'daemon-same-tier:jobs',
    file: 'daemon/src/jobs/uses-simulate.ts',
    source: "import { run } from '../simulate/run.js';\nexport const x = run;\n",
    also: { 'daemon/src/simulate/run.ts': 'export const run = 1;\n' },
  },
  {
    rule: 'no-circular',
    file: 'daemon/src/store/a.ts',
    source: "import { b } from './b.js';\nexport const a = () => b;\n",
    also: { 'daemon/src/store/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n" },
  },
  {
    rule: 'daemon-unlayered',
    file: 'daemon/src/gadgets/gadget.ts',
    source: "import { a } from '../store/a.js';\nexport const gadget = a;\n",
  },
  {
    rule: 'daemon-not-viewer',
    file: 'daemon/src/cli/page.ts',
    source: "import { attach } from '../../../viewer-plugin/src/attach.js';\nexport const page = attach;\n",
    also: { 'viewer-plugin/src/attach.ts': 'export const attach = 1;\n' },
  },
  {
    rule: 'viewer-not-daemon',
    file: 'viewer-plugin/src/peek.ts',
    source: "import { queue } from '../../daemon/src/jobs/queue.js';\nexport const peek = queue;\n",
  },
  {
    rule: 'shared-is-pure',
    file: 'shared/src/read.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  },
  {
    rule: 'protocol-imports-zod-only',
    file: 'protocol/src/uses-shared.ts',
    source: "import { read } from '../../shared/src/read.js';\nexport const x = read;\n",
  },
];

const run = promisify(execFile);

async function depcruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, ['daemon/src', 'shared/src', 'protocol/src', 'viewer-plugin/src'], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the import rules (.dependency-cruiser.cjs, run in CI by `npm run depcheck`)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-depcheck-'));
    cpSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
  };

  it('passes a tree whose imports run down the layers', async () => {
    write({
      'daemon/src/jobs/queue.ts': "import { a } from '../store/a.js';\nexport const queue = a;\n",
      'daemon/src/store/a.ts': 'export const a = 1;\n',
      'shared/src/index.ts': 'export const pure = 1;\n',
      'protocol/src/index.ts': "import { z } from 'zod';\nexport const Id = z.string();\n",
      'viewer-plugin/src/index.ts': 'export const viewer = 1;\n',
    });
    const { code, output } = await depcruise(dir);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it('fails on each planted violation, naming its rule and the offending import', async () => {
    for (const plant of PLANTS) write({ ...plant.also, [plant.file]: plant.source });
    const { code, output } = await depcruise(dir);
    expect(code).not.toBe(0);
    for (const plant of PLANTS)
      expect(output).toMatch(new RegExp(`error ${plant.rule.replace('+', '\\+')}: ${plant.file}`));
  });
});
