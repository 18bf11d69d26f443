import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddSlideRequest } from '@activeseg/protocol';
import { type Browser, chromium } from 'playwright-core';
import { requireSystemCommand } from '../system/require-system-command.js';

/** What the browser tests share: the repo's paths, the built page, a slide added over HTTP, Chromium. */
export const REPO = new URL('../../', import.meta.url).pathname;
export const PAGE = join(REPO, 'viewer-plugin', 'dist', 'page', 'index.html');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');
export const DEMO_IMAGE = join(REPO, 'demo', 'axondeepseg-sem', 'images', 'sub-rat8_sample-V915.png');

/** Builds the viewer page when a test runs without `npm test`'s pretest build; screenshots go to ARTIFACTS. */
export function ensureViewerBuilt(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(PAGE)) execFileSync('npm', ['run', 'build', '-w', 'viewer-plugin'], { cwd: REPO, stdio: 'inherit' });
}

/** `POST /api/slides` by path (`extra`: the request's other fields, e.g. a `pixelSize`); returns the new slide's id. */
export async function addSlideByPath(
  origin: string,
  token: string,
  path: string = DEMO_IMAGE,
  extra: Omit<AddSlideRequest, 'path'> = {},
): Promise<string> {
  const res = await fetch(`${origin}/api/slides`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ path, ...extra }),
  });
  if (res.status !== 201) throw new Error(`adding ${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Debian's Chromium, headless; fails naming the install command when it is missing (never a skip). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: requireSystemCommand('chromium'),
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', ...extraArgs],
  });
}

export interface ScoredDaemon {
  origin: string;
  slideId: string;
  /** A JSON call with the token; throws on a non-2xx answer. */
  api<T>(path: string, init?: RequestInit): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real daemon (startServer, the real model engine) in a temp project, with the demo slide added and scored
 * by a one-epoch `tiny` model, so a page opens with overlays and suggestions. Nothing is mocked.
 */
export async function startScoredDaemon(options: { token: string }): Promise<ScoredDaemon> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const projectDir = mkdtempSync(join(tmpdir(), 'activeseg-e2e-'));
  const { startServer } = await import('../../daemon/src/server.js');
  const { createModelEngine } = await import('../../daemon/src/engine/model-engine.js');
  const { getPreset } = await import('../../daemon/src/training/presets.js');
  const { bootstrapDemoModel } = await import('../../daemon/src/cli/bootstrap-demo-model.js');
  const { selectBackend } = await import('../../daemon/src/model/backend.js');
  const backend = await selectBackend({ purpose: 'train' });
  const engine = await createModelEngine({
    modelsDir: join(projectDir, 'models'),
    preset: getPreset('tiny'),
    tfjsBackend: backend.name,
    mcPasses: 4,
    seed: 1,
    log: () => {},
  });
  await bootstrapDemoModel({
    engine,
    dataDir: join(REPO, 'demo', 'axondeepseg-sem'),
    preset: getPreset('tiny'),
    excludeImage: 'sub-rat8_sample-V915',
    epochs: 1,
  });
  const server = await startServer({ projectDir, port: 0, token: options.token, engine, log: () => {} });
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${server.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const slideId = await addSlideByPath(server.origin, options.token);
  const job = await api<{ id: string }>('/api/jobs', {
    method: 'POST',
    body: JSON.stringify({ kind: 'infer', slideId, acquisition: 'uncertainty' }),
  });
  for (let i = 0; ; i++) {
    const info = await api<{ state: string; error?: unknown }>(`/api/jobs/${job.id}`);
    if (info.state === 'done') break;
    if (info.state !== 'queued' && info.state !== 'running') {
      throw new Error(`inference ${info.state}: ${JSON.stringify(info.error)}`);
    }
    if (i > 600) throw new Error('inference did not finish in 5 min');
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    origin: server.origin,
    slideId,
    api,
    async close() {
      await server.close();
      rmSync(projectDir, { recursive: true, force: true });
    },
  };
}
