import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPCRUISE = join(REPO, 'node_modules', '.bin', 'depcruise');

/**
 * One import that breaks one rule of `.dependency-cruiser.cjs`, planted in a scratch tree: `file` imports `target`
 * (created when missing) through the specifier `spec`.
 */
const PLANTS: [rule: string, file: string, spec: string, target: string][] = [
  ['daemon-layer-order:model+slides', 'daemon/src/model/planted.ts', '../jobs/queue.js', 'daemon/src/jobs/queue.ts'],
  ['daemon-layer-order:jobs+simulate', 'daemon/src/jobs/reporter.ts', '../ws/hub.js', 'daemon/src/ws/hub.ts'],
  ['daemon-same-tier:jobs', 'daemon/src/jobs/uses-simulate.ts', '../simulate/run.js', 'daemon/src/simulate/run.ts'],
  ['no-circular', 'daemon/src/store/a.ts', './b.js', 'daemon/src/store/b.ts'],
  ['no-circular', 'daemon/src/store/b.ts', './a.js', 'daemon/src/store/a.ts'],
  ['daemon-unlayered', 'daemon/src/gadgets/gadget.ts', '../store/a.js', 'daemon/src/store/a.ts'],
  [
    'daemon-viewer-apart',
    'daemon/src/cli/page.ts',
    '../../../viewer-plugin/src/attach.js',
    'viewer-plugin/src/attach.ts',
  ],
  ['daemon-viewer-apart', 'viewer-plugin/src/peek.ts', '../../daemon/src/jobs/queue.js', 'daemon/src/jobs/queue.ts'],
  ['shared-is-pure', 'shared/src/read.ts', 'node:fs', ''],
  ['protocol-imports-zod-only', 'protocol/src/uses-shared.ts', '../../shared/src/read.js', 'shared/src/read.ts'],
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
    // Every planted file imports one module and exports a name of its own, so plants may import each other.
    for (const [, file, spec, target] of PLANTS) {
      if (target && !existsSync(join(dir, target))) write({ [target]: 'export const planted = 1;\n' });
      write({ [file]: `import * as m from '${spec}';\nexport const planted = m;\n` });
    }
    const { code, output } = await depcruise(dir);
    expect(code).not.toBe(0);
    for (const [rule, file] of PLANTS) {
      expect(output).toContain(`error ${rule}: `);
      expect(output).toContain(`${file} →`);
    }
    // One violation per plant; the two halves of the cycle are one.
    expect(output).toContain(`x ${PLANTS.length - 1} dependency violations`);
  });
});
