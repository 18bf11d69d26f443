import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddSlideRequest } from '@activeseg/protocol';
import { type Browser, chromium } from 'playwright-core';
import type { StartServerOptions } from '../../daemon/src/server.js';
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

export interface E2eDaemon {
  origin: string;
  projectDir: string;
  /** A JSON call with the token; throws on a non-2xx answer. */
  api<T>(path: string, init?: RequestInit): Promise<T>;
  close(): Promise<void>;
}

export interface ScoredDaemon extends E2eDaemon {
  slideId: string;
}

/**
 * The real daemon (startServer, the real `tiny` model engine, 4 MC passes) in a new temp project. Its first model:
 * `bootstrap` (default) a one-epoch model on the other demo images, enough for overlays; `base` the shipped base
 * model, as `activeseg serve` starts a new project. Nothing is mocked.
 */
export async function startE2eDaemon(options: {
  token: string;
  model?: 'bootstrap' | 'base';
  config?: StartServerOptions['config'];
}): Promise<E2eDaemon> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const projectDir = mkdtempSync(join(tmpdir(), 'activeseg-e2e-'));
  // Imported here so a daemon that does not build yet fails the suite that starts it, not collection of the others.
  const { startServer } = await import('../../daemon/src/server.js');
  const { createModelEngine } = await import('../../daemon/src/engine/model-engine.js');
  const { getPreset } = await import('../../daemon/src/training/presets.js');
  const { selectBackend } = await import('../../daemon/src/model/backend.js');
  // Registers the tfjs backend the engine will use, as `activeseg serve` does.
  const backend = await selectBackend({ purpose: 'train' });
  const preset = getPreset('tiny');
  const engine = await createModelEngine({
    modelsDir: join(projectDir, 'models'),
    preset,
    tfjsBackend: backend.name,
    mcPasses: 4,
    seed: 1,
    log: () => {},
  });
  if (options.model === 'base') {
    const { adoptBaseModel } = await import('../../daemon/src/cli/base-model.js');
    const base = await adoptBaseModel(engine, { kind: 'demo' }, preset);
    if (base.version !== 1) throw new Error(`the base model became v${base.version}, not v1`);
  } else {
    // Version 0 cannot infer; a one-epoch model on the other demo images is enough to produce overlays.
    const { bootstrapDemoModel } = await import('../../daemon/src/cli/bootstrap-demo-model.js');
    await bootstrapDemoModel({
      engine,
      dataDir: join(REPO, 'demo', 'axondeepseg-sem'),
      preset,
      excludeImage: 'sub-rat8_sample-V915',
      epochs: 1,
    });
  }
  const server = await startServer({
    projectDir,
    port: 0,
    token: options.token,
    engine,
    ...(options.config ? { config: options.config } : {}),
    log: () => {},
  });
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${server.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    origin: server.origin,
    projectDir,
    api,
    async close() {
      await server.close();
      rmSync(projectDir, { recursive: true, force: true });
    },
  };
}

/** Runs an inference job over the slide and waits until it is done (throws if it fails or takes over 5 min). */
export async function scoreSlide(daemon: Pick<E2eDaemon, 'api'>, slideId: string): Promise<void> {
  const job = await daemon.api<{ id: string }>('/api/jobs', {
    method: 'POST',
    body: JSON.stringify({ kind: 'infer', slideId, acquisition: 'uncertainty' }),
  });
  for (let i = 0; ; i++) {
    const info = await daemon.api<{ state: string; error?: unknown }>(`/api/jobs/${job.id}`);
    if (info.state === 'done') return;
    if (info.state !== 'queued' && info.state !== 'running') {
      throw new Error(`inference ${info.state}: ${JSON.stringify(info.error)}`);
    }
    if (i > 600) throw new Error('inference did not finish in 5 min');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `startE2eDaemon` with the demo slide added and scored, so a page opens with overlays and suggestions. */
export async function startScoredDaemon(options: { token: string }): Promise<ScoredDaemon> {
  const daemon = await startE2eDaemon(options);
  const slideId = await addSlideByPath(daemon.origin, options.token);
  await scoreSlide(daemon, slideId);
  return { ...daemon, slideId };
}
