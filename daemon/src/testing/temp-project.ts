import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlideInfo } from '@activeseg/protocol';
import type { Hono } from 'hono';
import { createApp } from '../app.js';
import { composeProject, type Project } from '../compose-project.js';
import { type DaemonConfig, parseConfig } from '../config.js';
import type { ModelEngine } from '../engine/model-engine-api.js';

/** Test support only (never imported by daemon code): a project in a temp folder and an app over it. */
export interface TempProject {
  dir: string;
  project: Project;
  app: Hono;
  token: string;
  auth: Record<string, string>;
  dispose(): Promise<void>;
}

export const TEST_TOKEN = 'test-token-0123456789';
export const DEMO_IMAGE = new URL('../../../demo/axondeepseg-sem/images/sub-rat8_sample-V915.png', import.meta.url)
  .pathname;

export function createTempProject(
  options: {
    engine?: ModelEngine | null;
    config?: Partial<DaemonConfig>;
    allowedOrigins?: string[];
    /** An existing (empty) folder to use, e.g. one whose `models/` an engine was already opened on. */
    dir?: string;
  } = {},
): TempProject {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'activeseg-test-'));
  const project = composeProject({
    projectDir: dir,
    config: parseConfig(options.config ?? {}),
    engine: options.engine ?? null,
    log: () => {},
  });
  const app = createApp({
    project,
    token: TEST_TOKEN,
    allowedOrigins: new Set(options.allowedOrigins ?? ['http://viewer.test']),
    log: () => {},
  });
  return {
    dir,
    project,
    app,
    token: TEST_TOKEN,
    auth: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    async dispose() {
      await project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Adds the demo slide through `POST /api/slides`, as a client would; throws with the answer if it is refused. */
export async function addDemoSlide(t: Pick<TempProject, 'app' | 'auth'>): Promise<SlideInfo> {
  const res = await t.app.request('/api/slides', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ path: DEMO_IMAGE }),
  });
  if (res.status !== 201) throw new Error(`adding the demo slide: ${res.status} ${await res.text()}`);
  return SlideInfo.parse(await res.json());
}
